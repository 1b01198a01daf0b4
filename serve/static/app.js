// The page of baeum serve. It asks GET v1/model what the model is. For a
// reader of handwritten digits: draw with pointer events (mouse, pen or
// touch), send the drawing as a PNG a moment after the pen stops
// (debounced, one request at a time, at most one every 100 ms, stale
// answers dropped, the last drawing always sent), and show what the model
// read and the 28×28 images it saw. For any other image model: drop a
// picture (or choose or paste one), send the file itself, and show the
// most probable classes by name and the image the model saw. With "show
// what the network sees" on, drawings and pictures go to v1/activations
// instead, and each layer's output is drawn: feature maps as small grey
// pictures, dense layers as bar strips. The page's text is in English
// and Korean: the server's choice from Accept-Language (or the browser's
// language) picks one, and the EN/한국어 switch overrides it, remembered
// in localStorage.
"use strict";

(() => {
  // The page's text, in each language. Strings with markup hold only our
  // own <code>; anything from the model or the server is set as text.
  const TEXT = {
    en: {
      "lang.label": "language",
      "lede.digits": "Draw a digit, or a whole ZIP code, and watch the network read it as you write.",
      "lede.images": (n, names) => `Drop a picture and see which of its ${n} classes the model takes it for: ${names}.`,
      "more": (n) => `, … (${n} in all)`,
      "title.digits": "baeum · reading handwritten digits",
      "title.images": (arch, n) => `baeum · ${arch} on ${n} classes`,
      "pad.label": "drawing",
      "modes.label": "what to draw",
      "mode.digit": "One digit",
      "mode.zip": "ZIP code",
      "clear": "Clear",
      "clear.title": "Clear (Esc)",
      "canvas.label": "drawing area: draw with the mouse, a pen or a finger",
      "hint.digit": "Draw a digit here",
      "hint.zip": "Write a ZIP code here, e.g. 12345",
      "tip.digit": (ep) => `Write big, in the middle. The page sends your drawing as a PNG to <code>POST /${ep}</code>.`,
      "tip.zip": "Leave a little space between digits. The page sends your drawing to <code>POST /v1/zipcode</code>, which cuts it into digits.",
      "label.digit": "Prediction",
      "label.zip": "ZIP code",
      "drop.label": "picture",
      "drop.preview": "the picture sent",
      "drop.hint": "Drop a picture here",
      "drop.hint2": "or click to choose a PNG, JPEG or GIF",
      "drop.tip": "Drop a picture, click to choose one, or paste one. The page sends it as it is to <code>POST /v1/predict</code>; the model sees",
      "input.grey": "grey",
      "input.colour": "colour",
      "input.desc": (kind, w, h, how) => `${kind} ${w} × ${h} pixels${how ? ` (${how})` : ""}`,
      "input.stretch": "the picture stretched to that size",
      "input.fit": "the picture scaled to fit, its aspect ratio kept",
      "input.exact": "pictures must have that size already",
      "input.seen": (w, h, kind) => `${w} × ${h}, ${kind}`,
      "result.label": "prediction",
      "bars.label": "probability of each digit",
      "top.label": "the most probable classes",
      "seen.label": "the image the model saw",
      "seen.caption": "What the model saw",
      "seen.digit": "28 × 28, centred by mass",
      "glyphs.label": "the digits found, left to right",
      "zip.note": "Each digit is cut out, scaled into 20 × 20 and centred in 28 × 28, as MNIST was made. Under each: the model's three best guesses.",
      "sure": (p) => `${p} sure`,
      "answered": (ms) => `answered in ${ms} ms`,
      "busy.retry": (s) => `the server is busy; retrying in ${s} s`,
      "busy.again": (s) => `the server is busy: try again in ${s} s`,
      "no.digit": "No digit found yet: keep drawing.",
      "unreachable": (msg) => `cannot reach the server: ${msg}`,
      "zip.summary": (n, least) => `${n} digit${n === 1 ? "" : "s"}, the least sure at ${least}`,
      "guesses": "the three best guesses",
      "sending": (name) => `sending ${name}…`,
      "the.picture": "the picture",
      "fmaps.toggle": "Show what the network sees",
      "fmaps.title": "What the network sees",
      "fmaps.note": "The activation of every layer for the input: each convolution layer's feature maps (bright = high) and each dense layer's units as bars. Each map is scaled on its own, from its minimum to its maximum.",
      "fmaps.empty": "Draw a digit to see each layer's activations.",
      "fmaps.emptyImage": "Drop a picture to see each layer's activations.",
      "fmaps.zip": "Feature maps are shown for one digit at a time: choose “One digit”.",
      "fmaps.truncated": "Some layers were left out to keep the answer small.",
      "fmaps.omitted": "left out: over the answer's size limit",
      "kind.conv": "convolution layer",
      "kind.pool": "pooling layer",
      "kind.dense": "dense layer",
      "kind.other": "layer",
      "then": (act) => `then ${act}`,
      "maps": (c, h, w) => `${c} feature map${c === 1 ? "" : "s"} of ${h} × ${w}`,
      "units": (n) => `${n} unit${n === 1 ? "" : "s"}`,
      "range": (lo, hi) => `from ${lo} to ${hi}`,
      "footer.model": "model",
      "footer.health": "health",
      "footer.metrics": "metrics",
      "unknown": "unknown",
      "unnamed": "unnamed",
    },
    ko: {
      "lang.label": "언어",
      "lede.digits": "숫자 하나나 우편번호 전체를 써 보세요. 쓰는 동안 신경망이 읽어 냅니다.",
      "lede.images": (n, names) => `그림을 놓으면 모델이 ${n}개 클래스 가운데 무엇으로 보는지 알려 줍니다: ${names}.`,
      "more": (n) => `, … (모두 ${n}개)`,
      "title.digits": "baeum · 손글씨 숫자 읽기",
      "title.images": (arch, n) => `baeum · ${arch}, 클래스 ${n}개`,
      "pad.label": "그리는 곳",
      "modes.label": "무엇을 쓸지",
      "mode.digit": "숫자 하나",
      "mode.zip": "우편번호",
      "clear": "지우기",
      "clear.title": "지우기 (Esc)",
      "canvas.label": "그리는 곳: 마우스, 펜, 손가락으로 쓰세요",
      "hint.digit": "여기에 숫자를 쓰세요",
      "hint.zip": "여기에 우편번호를 쓰세요 (예: 12345)",
      "tip.digit": (ep) => `가운데에 크게 쓰세요. 그림은 PNG로 <code>POST /${ep}</code>에 보내집니다.`,
      "tip.zip": "숫자 사이를 조금 띄우세요. 그림은 <code>POST /v1/zipcode</code>로 보내지고, 거기서 숫자 하나하나로 잘립니다.",
      "label.digit": "예측",
      "label.zip": "우편번호",
      "drop.label": "그림",
      "drop.preview": "보낸 그림",
      "drop.hint": "여기에 그림을 놓으세요",
      "drop.hint2": "또는 눌러서 PNG, JPEG, GIF 파일을 고르세요",
      "drop.tip": "그림을 놓거나, 눌러서 고르거나, 붙여 넣으세요. 그림은 그대로 <code>POST /v1/predict</code>에 보내집니다. 모델이 보는 입력:",
      "input.grey": "흑백",
      "input.colour": "컬러",
      "input.desc": (kind, w, h, how) => `${kind} ${w} × ${h} 픽셀${how ? ` (${how})` : ""}`,
      "input.stretch": "그림을 그 크기로 늘임",
      "input.fit": "가로세로 비율을 지키며 크기를 맞춤",
      "input.exact": "그림이 이미 그 크기여야 함",
      "input.seen": (w, h, kind) => `${w} × ${h}, ${kind}`,
      "result.label": "예측",
      "bars.label": "숫자별 확률",
      "top.label": "확률이 가장 높은 클래스",
      "seen.label": "모델이 본 이미지",
      "seen.caption": "모델이 본 입력",
      "seen.digit": "28 × 28, 무게중심으로 가운데 맞춤",
      "glyphs.label": "찾은 숫자들, 왼쪽부터",
      "zip.note": "숫자마다 잘라 내어 20 × 20으로 줄이고 28 × 28의 가운데에 놓습니다. MNIST를 만든 방식 그대로입니다. 아래는 모델이 가장 높은 확률을 준 세 가지 답입니다.",
      "sure": (p) => `확률 ${p}`,
      "answered": (ms) => `${ms} ms 만에 응답`,
      "busy.retry": (s) => `서버가 바쁩니다. ${s}초 뒤에 다시 보냅니다`,
      "busy.again": (s) => `서버가 바쁩니다. ${s}초 뒤에 다시 해 보세요`,
      "no.digit": "아직 숫자가 보이지 않습니다. 계속 쓰세요.",
      "unreachable": (msg) => `서버에 연결할 수 없습니다: ${msg}`,
      "zip.summary": (n, least) => `숫자 ${n}개, 가장 낮은 확률 ${least}`,
      "guesses": "확률이 가장 높은 세 가지 답",
      "sending": (name) => `${name} 보내는 중…`,
      "the.picture": "그림",
      "fmaps.toggle": "신경망이 보는 것 보기",
      "fmaps.title": "신경망이 보는 것",
      "fmaps.note": "입력에 대한 각 층의 활성화입니다. 합성곱 층은 특성 맵으로(밝을수록 큰 값), 완전연결층은 유닛마다 막대로 보여 줍니다. 맵마다 최솟값에서 최댓값까지 따로 눈금을 맞춥니다.",
      "fmaps.empty": "숫자를 쓰면 각 층의 활성화가 보입니다.",
      "fmaps.emptyImage": "그림을 놓으면 각 층의 활성화가 보입니다.",
      "fmaps.zip": "특성 맵은 숫자 하나씩 보여 줍니다. “숫자 하나”를 고르세요.",
      "fmaps.truncated": "응답을 작게 하려고 일부 층은 뺐습니다.",
      "fmaps.omitted": "응답 크기 제한을 넘어 생략함",
      "kind.conv": "합성곱 층",
      "kind.pool": "풀링 층",
      "kind.dense": "완전연결층",
      "kind.other": "층",
      "then": (act) => `활성화 함수 ${act}`,
      "maps": (c, h, w) => `${h} × ${w} 특성 맵 ${c}개`,
      "units": (n) => `유닛 ${n}개`,
      "range": (lo, hi) => `최솟값 ${lo}, 최댓값 ${hi}`,
      "footer.model": "모델",
      "footer.health": "상태",
      "footer.metrics": "지표",
      "unknown": "알 수 없음",
      "unnamed": "이름 없음",
    },
  };
  const LANGS = Object.keys(TEXT);
  const LANG_KEY = "baeum.lang";
  const FMAPS_KEY = "baeum.fmaps";

  function stored(key) {
    try { return localStorage.getItem(key); } catch { return null; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, value); } catch { /* private mode: not remembered */ }
  }

  // The language: the reader's choice with the switch, else the server's
  // from Accept-Language, else the browser's, else English.
  function initialLanguage() {
    const chosen = stored(LANG_KEY);
    if (LANGS.includes(chosen)) return chosen;
    const html = document.documentElement;
    if (html.dataset.langFrom && LANGS.includes(html.lang)) return html.lang;
    for (const l of navigator.languages || [navigator.language || ""]) {
      const primary = String(l).toLowerCase().split("-")[0];
      if (LANGS.includes(primary)) return primary;
    }
    return LANGS[0];
  }
  let lang = initialLanguage();

  // t returns the text of key in the page's language, called with args
  // when it is a function.
  function t(key, ...args) {
    const v = TEXT[lang][key] ?? TEXT.en[key];
    return typeof v === "function" ? v(...args) : v;
  }

  const MODES = {
    digit: { w: 280, h: 280, line: 20, hint: "hint.digit", label: "label.digit", tip: "tip.digit" },
    zip: { w: 720, h: 220, line: 14, endpoint: "v1/zipcode", hint: "hint.zip", label: "label.zip", tip: "tip.zip" },
  };
  const DEBOUNCE_MS = 180;    // send this long after the pen stops...
  const MAX_WAIT_MS = 450;    // ...or this long after the last send while it moves
  const MIN_INTERVAL_MS = 100; // and never more often than this
  const INK = "#1b1b2f";

  const $ = (id) => document.getElementById(id);
  const canvas = $("canvas");
  const ctx = canvas.getContext("2d");
  const overlay = $("overlay");
  const octx = overlay.getContext("2d");
  const pad = $("pad");
  const hint = $("hint");
  const prediction = $("prediction");
  const confidence = $("confidence");
  const statusLine = $("status");
  const bars = $("bars");
  const seen = $("seen");
  const glyphs = $("glyphs");
  const fmapsToggle = $("fmaps-toggle");
  const fmapsCard = $("fmaps-card");
  const fmaps = $("fmaps");
  const fmapsNote = $("fmaps-note");

  let mode = "digit";
  let drawing = false;
  let last = null;
  let inked = false;      // anything drawn since the last clear
  let version = 0;        // bumped by every change to the drawing
  let sentVersion = -1;   // the version last sent
  let inFlight = null;    // AbortController of the request under way
  let timer = 0;
  let lastSend = -Infinity; // performance.now() of the last request
  let retryAt = 0;        // not before this, after a 503
  let rerender = null;    // redraws the last answer, in a new language
  let status = null;      // [key, ...args] of the status line, or null
  let showMaps = stored(FMAPS_KEY) === "on";

  // The endpoint of one drawn digit (or of a picture): with the feature
  // maps on, the one that also gives every layer's output.
  const digitEndpoint = () => (showMaps ? "v1/activations" : "v1/predict");

  // Probability bars, one row per digit.
  const barRows = [];
  for (let d = 0; d < 10; d++) {
    const row = document.createElement("div");
    row.className = "bar";
    row.setAttribute("role", "listitem");
    row.innerHTML = `<span class="bar-digit">${d}</span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-pct">–</span>`;
    bars.appendChild(row);
    barRows.push({ row, fill: row.querySelector(".bar-fill"), pct: row.querySelector(".bar-pct") });
  }

  // Language: every element marked data-i18n (text), data-i18n-html (our
  // own markup) or data-i18n-attr ("attr:key;attr:key") takes its text
  // from TEXT; the rest is redrawn.
  function applyLanguage(l) {
    lang = l;
    document.documentElement.lang = l;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-html]")) el.innerHTML = t(el.dataset.i18nHtml);
    for (const el of document.querySelectorAll("[data-i18n-attr]")) {
      for (const pair of el.dataset.i18nAttr.split(";")) {
        const [attr, key] = pair.split(":");
        el.setAttribute(attr, t(key));
      }
    }
    for (const b of document.querySelectorAll("button[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === l));
    modeTexts();
    if (model && model.digits === false) imageTexts(model);
    else if (document.body.dataset.kind === "digits") document.title = t("title.digits");
    if (modelName === null) $("model").textContent = t("unknown");
    if (status) setStatus(...status);
    if (rerender) rerender();
    relabelLayers();
    fmapsPlaceholder();
  }

  function setStatus(key, ...args) {
    status = key ? [key, ...args] : null;
    statusLine.textContent = key ? t(key, ...args) : "";
  }

  function modeTexts() {
    const cfg = MODES[mode];
    hint.textContent = t(cfg.hint);
    $("tip").innerHTML = t(cfg.tip, digitEndpoint());
    $("answer-label").textContent = t(cfg.label);
  }

  function setMode(m) {
    mode = m;
    const cfg = MODES[m];
    for (const b of document.querySelectorAll("[data-mode]")) {
      if (b.tagName === "BUTTON") b.setAttribute("aria-selected", String(b.dataset.mode === m));
    }
    pad.dataset.mode = m;
    document.body.dataset.mode = m;
    canvas.width = overlay.width = cfg.w;
    canvas.height = overlay.height = cfg.h;
    modeTexts();
    $("digit-view").hidden = m !== "digit";
    $("zip-view").hidden = m !== "zip";
    clearAll();
  }

  function clearAll() {
    if (inFlight) inFlight.abort();
    inFlight = null;
    clearTimeout(timer);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    octx.clearRect(0, 0, overlay.width, overlay.height);
    inked = false;
    version++;
    sentVersion = version;
    pad.classList.remove("inked");
    showEmpty();
    clearLayers();
  }

  function showEmpty() {
    rerender = null;
    prediction.textContent = "–";
    prediction.dataset.state = "empty";
    confidence.innerHTML = "&nbsp;";
    setStatus(null);
    statusLine.classList.remove("error");
    for (const b of barRows) {
      b.fill.style.width = "0%";
      b.pct.textContent = "–";
      b.row.classList.remove("top");
    }
    seen.getContext("2d").clearRect(0, 0, 28, 28);
    glyphs.replaceChildren();
  }

  // Drawing.
  function point(e) {
    const r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
  }

  function stroke(from, to) {
    ctx.strokeStyle = INK;
    ctx.lineWidth = MODES[mode].line;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  }

  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== undefined && e.button > 0) return;
    e.preventDefault();
    canvas.setPointerCapture?.(e.pointerId);
    drawing = true;
    last = point(e);
    stroke(last, last);
    changed();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ce of events.length ? events : [e]) {
      const p = point(ce);
      stroke(last, p);
      last = p;
    }
    changed();
  });
  for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
    canvas.addEventListener(type, () => {
      if (!drawing) return;
      drawing = false;
      last = null;
      schedule(60);
    });
  }

  function changed() {
    inked = true;
    version++;
    pad.classList.add("inked");
    octx.clearRect(0, 0, overlay.width, overlay.height);
    // Debounced, but never silent for long while the pen keeps moving.
    schedule(Math.max(0, Math.min(DEBOUNCE_MS, lastSend + MAX_WAIT_MS - performance.now())));
  }

  // schedule sends the drawing in ms, but not before a 503's Retry-After
  // has passed, nor within MIN_INTERVAL_MS of the last request.
  function schedule(ms) {
    clearTimeout(timer);
    const now = performance.now();
    timer = setTimeout(send, Math.max(ms, retryAt - now, lastSend + MIN_INTERVAL_MS - now));
  }

  // Talking to the server: one request at a time; a change made while one
  // is under way is sent when it returns.
  function send() {
    if (!inked || version === sentVersion) return;
    if (inFlight) return; // send() runs again when it finishes
    const v = version;
    const m = mode;
    const endpoint = MODES[m].endpoint || digitEndpoint();
    const ctrl = new AbortController();
    inFlight = ctrl;
    sentVersion = v;
    prediction.dataset.state = "busy";
    const t0 = performance.now();
    lastSend = t0;
    canvas.toBlob(async (blob) => {
      try {
        const resp = await fetch(endpoint, {
          method: "POST",
          headers: { "Content-Type": "image/png" },
          body: blob,
          signal: ctrl.signal,
        });
        const body = await resp.json().catch(() => ({ error: `HTTP ${resp.status}` }));
        if (ctrl.signal.aborted || m !== mode) return;
        const ms = Math.round(performance.now() - t0);
        if (resp.status === 503) {
          // Busy: try again when the server suggests.
          const after = Number(resp.headers.get("Retry-After")) || 1;
          setStatus("busy.retry", after);
          sentVersion = -1;
          retryAt = performance.now() + 1000 * after;
          return;
        }
        if (!resp.ok) {
          showError(resp.status, body.error || `HTTP ${resp.status}`);
        } else if (m === "digit") {
          rerender = () => showDigit(body, ms);
          rerender();
          if (body.layers) showLayers(body, v);
        } else {
          rerender = () => showZip(body, ms);
          rerender();
        }
        if (v === version) prediction.dataset.state = resp.ok ? "done" : "error";
      } catch (err) {
        if (err.name !== "AbortError") showError(0, null, err.message);
      } finally {
        if (inFlight === ctrl) inFlight = null;
        if (!ctrl.signal.aborted && version !== sentVersion) schedule(0);
      }
    }, "image/png");
  }

  // showError shows the server's message (msg), or, without one, that the
  // server cannot be reached.
  function showError(code, msg, reason) {
    rerender = null;
    prediction.textContent = "?";
    confidence.innerHTML = "&nbsp;";
    const drawn = document.body.dataset.kind !== "images";
    const quiet = drawn && code === 422;
    if (quiet) setStatus("no.digit");
    else if (msg === null) setStatus("unreachable", reason);
    else { status = null; statusLine.textContent = msg; }
    statusLine.classList.toggle("error", !quiet);
  }

  function pct(p) {
    return p >= 0.995 ? "100%" : p < 0.001 ? "0%" : (100 * p).toFixed(p < 0.1 ? 1 : 0) + "%";
  }

  function showDigit(res, ms) {
    prediction.textContent = String(res.digit);
    confidence.textContent = t("sure", pct(res.probabilities[res.digit]));
    setStatus("answered", ms);
    statusLine.classList.remove("error");
    res.probabilities.forEach((p, d) => {
      const b = barRows[d];
      if (!b) return;
      b.fill.style.width = (100 * p).toFixed(1) + "%";
      b.pct.textContent = pct(p);
      b.row.classList.toggle("top", d === res.digit);
    });
    paintInput(seen, res.input);
  }

  // top returns the indices of the n largest probabilities, largest first.
  function top(probs, n) {
    return probs.map((p, k) => k).sort((a, b) => probs[b] - probs[a]).slice(0, n);
  }

  function showZip(res, ms) {
    prediction.textContent = res.digits;
    const least = Math.min(...res.confidences);
    confidence.textContent = t("zip.summary", res.digits.length, pct(least));
    setStatus("answered", ms);
    statusLine.classList.remove("error");
    // The boxes, drawn over the drawing.
    octx.clearRect(0, 0, overlay.width, overlay.height);
    octx.lineWidth = 2;
    octx.font = "600 15px system-ui, sans-serif";
    res.boxes.forEach(([x0, y0, x1, y1], i) => {
      const sure = res.confidences[i] >= 0.8;
      octx.strokeStyle = sure ? "rgba(79, 70, 229, 0.8)" : "rgba(217, 119, 6, 0.9)";
      octx.fillStyle = octx.strokeStyle;
      octx.strokeRect(x0 - 4, y0 - 4, x1 - x0 + 8, y1 - y0 + 8);
      octx.fillText(res.digits[i], x0 - 3, Math.max(14, y0 - 8));
    });
    // The digits the model saw, each with its three best guesses.
    const cards = res.inputs.map((input, i) => {
      const card = document.createElement("figure");
      card.className = "glyph";
      card.setAttribute("role", "listitem");
      const c = document.createElement("canvas");
      c.width = c.height = 28;
      paintInput(c, input);
      const cap = document.createElement("figcaption");
      const digit = document.createElement("strong");
      digit.textContent = res.digits[i];
      const guesses = document.createElement("ol");
      guesses.className = "guesses";
      guesses.setAttribute("aria-label", t("guesses"));
      for (const k of top(res.probabilities[i], 3)) {
        const li = document.createElement("li");
        li.innerHTML = `<span class="g-digit"></span> <span class="muted"></span>`;
        li.firstChild.textContent = String(k);
        li.lastChild.textContent = pct(res.probabilities[i][k]);
        guesses.append(li);
      }
      cap.append(digit, guesses);
      card.append(c, cap);
      return card;
    });
    glyphs.replaceChildren(...cards);
  }

  // paintInput draws 28×28 MNIST bytes (ink high) as white ink on black,
  // the way the model sees them.
  function paintInput(c, input) {
    const g = c.getContext("2d");
    const img = g.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = input[i];
      img.data[4 * i] = v;
      img.data[4 * i + 1] = v;
      img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    g.putImageData(img, 0, 0);
  }

  // What the network sees: each layer's output from v1/activations.
  // Feature maps are drawn as small grey pictures (one canvas per map,
  // black at the map's minimum, white at its maximum); vectors (dense
  // layers, and maps of one pixel) as a strip of bars from zero. The
  // canvases are kept while the layers stay the same, and repainted.
  let layersKey = "";
  let layerViews = [];
  let lastLayers = null;

  function clearLayers() {
    lastLayers = null;
    layersKey = "";
    layerViews = [];
    fmaps.replaceChildren();
    fmaps.dataset.state = "empty";
    fmapsPlaceholder();
  }

  function fmapsPlaceholder() {
    if (lastLayers) return;
    let key = document.body.dataset.kind === "images" ? "fmaps.emptyImage" : "fmaps.empty";
    if (mode === "zip" && document.body.dataset.kind !== "images") key = "fmaps.zip";
    const p = document.createElement("p");
    p.className = "muted small fmaps-empty";
    p.textContent = t(key);
    fmaps.replaceChildren(p);
  }

  function decode(b64) {
    const s = atob(b64 || "");
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  function num(v) {
    return Math.abs(v) >= 100 || (v !== 0 && Math.abs(v) < 0.01) ? v.toExponential(1) : v.toFixed(2);
  }

  function layerTitle(l) {
    const parts = [t("kind." + l.kind) || t("kind.other")];
    if (l.activation) parts.push(t("then", l.activation));
    const s = l.shape;
    if (l.maps > 1) parts.push(t("maps", s[0], s[1], s[2]));
    else parts.push(t("units", s.reduce((a, b) => a * b, 1)));
    if (l.omitted) parts.push(t("fmaps.omitted"));
    return parts.join(" · ");
  }

  function buildLayers(layers) {
    layerViews = layers.map((l) => {
      const sec = document.createElement("section");
      sec.className = "layer";
      sec.dataset.kind = l.kind;
      const h = document.createElement("h3");
      const name = document.createElement("span");
      name.className = "layer-name";
      name.textContent = l.name;
      const desc = document.createElement("span");
      desc.className = "muted layer-desc";
      h.append(name, " ", desc);
      h.title = l.layer;
      const body = document.createElement("div");
      body.className = l.maps > 1 ? "maps" : "strip";
      const canvases = [];
      if (!l.omitted) {
        if (l.maps > 1) {
          const [c, hh, ww] = l.shape;
          const scale = Math.max(1, Math.floor(56 / Math.max(hh, ww)));
          for (let m = 0; m < c; m++) {
            const cv = document.createElement("canvas");
            cv.width = ww;
            cv.height = hh;
            cv.style.width = Math.min(96, ww * scale) + "px";
            cv.style.height = Math.min(96, ww * scale) * hh / ww + "px";
            body.append(cv);
            canvases.push(cv);
          }
        } else {
          const cv = document.createElement("canvas");
          const n = l.shape.reduce((a, b) => a * b, 1);
          cv.width = Math.min(720, Math.max(120, n * 4));
          cv.height = 40;
          body.append(cv);
          canvases.push(cv);
        }
      }
      sec.append(h, body);
      return { sec, desc, canvases };
    });
    fmaps.replaceChildren(...layerViews.map((v) => v.sec));
  }

  function paintMaps(l, view) {
    const data = decode(l.data);
    const [, hh, ww] = l.shape;
    const per = hh * ww;
    view.canvases.forEach((cv, m) => {
      const g = cv.getContext("2d");
      const img = g.createImageData(ww, hh);
      for (let i = 0; i < per; i++) {
        const v = data[m * per + i];
        img.data[4 * i] = v;
        img.data[4 * i + 1] = v;
        img.data[4 * i + 2] = v;
        img.data[4 * i + 3] = 255;
      }
      g.putImageData(img, 0, 0);
      cv.title = t("range", num(l.min[m]), num(l.max[m]));
    });
  }

  function paintStrip(l, view) {
    const data = decode(l.data);
    const cv = view.canvases[0];
    const g = cv.getContext("2d");
    const lo = l.min[0], hi = l.max[0];
    const top = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    // The zero line: in the middle for values of both signs.
    const zero = lo < 0 && hi > 0 ? cv.height * hi / (hi - lo) : lo >= 0 ? cv.height : 0;
    const span = lo < 0 && hi > 0 ? hi - lo : top;
    g.clearRect(0, 0, cv.width, cv.height);
    g.fillStyle = getComputedStyle(fmaps).getPropertyValue("--bar") || "#4f46e5";
    const w = cv.width / data.length;
    for (let i = 0; i < data.length; i++) {
      const v = hi > lo ? lo + (data[i] / 255) * (hi - lo) : lo;
      const h = (v / span) * cv.height;
      g.fillRect(i * w, h >= 0 ? zero - h : zero, Math.max(1, w - (w > 3 ? 1 : 0)), Math.max(1, Math.abs(h)));
    }
    cv.title = t("range", num(lo), num(hi));
  }

  function showLayers(res, v) {
    lastLayers = res;
    const key = res.layers.map((l) => `${l.name}:${l.shape.join("x")}:${l.maps}:${l.omitted ? 0 : 1}`).join("|");
    if (key !== layersKey) {
      buildLayers(res.layers);
      layersKey = key;
    }
    res.layers.forEach((l, i) => {
      const view = layerViews[i];
      view.desc.textContent = layerTitle(l);
      if (l.omitted) return;
      if (l.maps > 1) paintMaps(l, view);
      else paintStrip(l, view);
    });
    let note = fmaps.querySelector(".fmaps-truncated");
    if (res.truncated && !note) {
      note = document.createElement("p");
      note.className = "muted small fmaps-truncated";
      fmaps.append(note);
    }
    if (note) note.textContent = res.truncated ? t("fmaps.truncated") : "";
    fmaps.dataset.state = "done";
    if (v !== undefined) fmaps.dataset.version = String(v);
  }

  function relabelLayers() {
    if (lastLayers) showLayers(lastLayers);
  }

  function setMaps(on) {
    showMaps = on;
    fmapsToggle.checked = on;
    store(FMAPS_KEY, on ? "on" : "off");
    fmapsCard.hidden = !on;
    document.body.classList.toggle("with-fmaps", on);
    modeTexts();
    if (!on) return;
    // Send again what is shown, to see its layers.
    if (document.body.dataset.kind === "images") {
      if (lastFile && !lastLayers) sendFile(lastFile);
    } else if (inked && mode === "digit" && !lastLayers) {
      sentVersion = -1;
      schedule(0);
    }
  }
  fmapsToggle.addEventListener("change", () => setMaps(fmapsToggle.checked));

  // Controls.
  for (const b of document.querySelectorAll("button[data-mode]")) {
    b.addEventListener("click", () => { if (b.dataset.mode !== mode) setMode(b.dataset.mode); });
  }
  for (const b of document.querySelectorAll("button[data-lang]")) {
    b.addEventListener("click", () => {
      store(LANG_KEY, b.dataset.lang);
      applyLanguage(b.dataset.lang);
    });
  }
  $("clear").addEventListener("click", clearAll);
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (document.body.dataset.kind === "images") {
      clearPicture();
    } else {
      clearAll();
    }
  });

  // Models that are not digit readers: a drop zone for pictures. Names
  // come from the checkpoint, so they are only ever set as text.
  const TOP = 5;
  const drop = $("drop");
  const fileInput = $("file");
  const preview = $("preview");
  const topClasses = $("top-classes");
  const seenImage = $("seen-image");
  let model = null;
  let modelName = "";      // null when the model could not be asked
  let topRows = [];
  let previewURL = "";
  let imageCtrl = null;   // AbortController of the picture being sent
  let lastFile = null;    // the picture shown

  // imageTexts writes the texts that describe an image model.
  function imageTexts(m) {
    const n = m.classes.length;
    document.title = t("title.images", m.architecture || "model", n);
    const names = m.classes.slice(0, 12).join(", ") + (n > 12 ? t("more", n) : "");
    $("lede").textContent = t("lede.images", n, names);
    const inp = m.input || {};
    const how = { stretch: "input.stretch", fit: "input.fit", "": "input.exact" }[inp.resize];
    const kind = t(inp.channels === 1 ? "input.grey" : "input.colour");
    $("input-desc").textContent = t("input.desc", kind, inp.width, inp.height, how ? t(how) : "");
    $("seen-desc").textContent = t("input.seen", inp.width, inp.height, kind);
    $("answer-label").textContent = t("label.digit");
  }

  function setupImages(m) {
    const n = m.classes.length;
    imageTexts(m);
    $("digit-view").hidden = true;
    $("zip-view").hidden = true;
    $("image-view").hidden = false;
    topRows = [];
    const rows = [];
    for (let i = 0; i < Math.min(TOP, n); i++) {
      const row = document.createElement("div");
      row.className = "bar";
      row.setAttribute("role", "listitem");
      const name = document.createElement("span");
      name.className = "bar-name";
      const track = document.createElement("span");
      track.className = "bar-track";
      const fill = document.createElement("span");
      fill.className = "bar-fill";
      track.append(fill);
      const p = document.createElement("span");
      p.className = "bar-pct";
      row.append(name, track, p);
      rows.push(row);
      topRows.push({ row, name, fill, pct: p });
    }
    topClasses.replaceChildren(...rows);
    showEmpty();
    clearImageView();
    clearLayers();
    $("drop-card").hidden = false;
  }

  function clearImageView() {
    for (const r of topRows) {
      r.name.textContent = "–";
      r.name.title = "";
      r.fill.style.width = "0%";
      r.pct.textContent = "–";
      r.row.classList.remove("top");
    }
    seenImage.getContext("2d").clearRect(0, 0, seenImage.width, seenImage.height);
  }

  function clearPicture() {
    if (imageCtrl) imageCtrl.abort();
    imageCtrl = null;
    lastFile = null;
    if (previewURL) URL.revokeObjectURL(previewURL);
    previewURL = "";
    preview.removeAttribute("src");
    preview.hidden = true;
    drop.classList.remove("has-picture");
    showEmpty();
    clearImageView();
    clearLayers();
  }

  function className(k) {
    const c = model && model.classes[k];
    return c === undefined || c === "" ? String(k) : c;
  }

  async function sendFile(file) {
    if (!file) return;
    if (imageCtrl) imageCtrl.abort();
    const ctrl = new AbortController();
    imageCtrl = ctrl;
    if (file !== lastFile) {
      if (previewURL) URL.revokeObjectURL(previewURL);
      previewURL = URL.createObjectURL(file);
      preview.src = previewURL;
      lastFile = file;
      clearLayers();
    }
    preview.hidden = false;
    drop.classList.add("has-picture");
    prediction.dataset.state = "busy";
    setStatus("sending", file.name || t("the.picture"));
    statusLine.classList.remove("error");
    const t0 = performance.now();
    try {
      const resp = await fetch(digitEndpoint(), {
        method: "POST",
        headers: { "Content-Type": file.type || "application/octet-stream" },
        body: file,
        signal: ctrl.signal,
      });
      const body = await resp.json().catch(() => ({ error: `HTTP ${resp.status}` }));
      if (ctrl.signal.aborted) return;
      if (resp.status === 503) {
        const after = Number(resp.headers.get("Retry-After")) || 1;
        showError(503, "");
        setStatus("busy.again", after);
      } else if (!resp.ok) {
        showError(resp.status, body.error || `HTTP ${resp.status}`);
      } else {
        const ms = Math.round(performance.now() - t0);
        rerender = () => showImage(body, ms);
        rerender();
        if (body.layers) showLayers(body);
      }
      if (!resp.ok) clearImageView();
      prediction.dataset.state = resp.ok ? "done" : "error";
    } catch (err) {
      if (err.name !== "AbortError") {
        showError(0, null, err.message);
        prediction.dataset.state = "error";
      }
    } finally {
      if (imageCtrl === ctrl) imageCtrl = null;
    }
  }

  function showImage(res, ms) {
    prediction.textContent = res.label;
    prediction.title = res.label;
    confidence.textContent = t("sure", pct(res.probabilities[res.digit]));
    setStatus("answered", ms);
    statusLine.classList.remove("error");
    const order = top(res.probabilities, topRows.length);
    topRows.forEach((r, i) => {
      const k = order[i];
      const p = res.probabilities[k];
      r.name.textContent = className(k);
      r.name.title = className(k);
      r.fill.style.width = (100 * p).toFixed(1) + "%";
      r.pct.textContent = pct(p);
      r.row.classList.toggle("top", k === res.digit);
    });
    const inp = model.input;
    paintImage(seenImage, res.input, inp.channels, inp.height, inp.width);
  }

  // paintImage draws stored bytes, C×H×W (channel after channel, each
  // row-major), as the model saw them.
  function paintImage(c, input, ch, h, w) {
    if (!input || input.length !== ch * h * w) return;
    c.width = w;
    c.height = h;
    const g = c.getContext("2d");
    const img = g.createImageData(w, h);
    const plane = h * w;
    for (let i = 0; i < plane; i++) {
      const r = input[i];
      img.data[4 * i] = r;
      img.data[4 * i + 1] = ch === 3 ? input[plane + i] : r;
      img.data[4 * i + 2] = ch === 3 ? input[2 * plane + i] : r;
      img.data[4 * i + 3] = 255;
    }
    g.putImageData(img, 0, 0);
  }

  fileInput.addEventListener("change", () => {
    const f = fileInput.files[0];
    fileInput.value = ""; // choosing the same file again sends it again
    lastFile = null;
    sendFile(f);
  });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    sendFile(e.dataTransfer.files[0]);
  });
  // A picture dropped beside the zone is not opened in place of the page.
  for (const type of ["dragover", "drop"]) {
    document.addEventListener(type, (e) => { if (document.body.dataset.kind === "images") e.preventDefault(); });
  }
  document.addEventListener("paste", (e) => {
    if (document.body.dataset.kind !== "images") return;
    const f = [...(e.clipboardData?.files || [])].find((f) => f.type.startsWith("image/"));
    if (f) sendFile(f);
  });

  // What the model is decides what the page offers; without an answer,
  // the page is the drawing pad it always was.
  function showKind(m) {
    model = m;
    const digits = !m || m.digits !== false || !Array.isArray(m.classes);
    document.body.dataset.kind = digits ? "digits" : "images";
    if (digits) {
      document.title = t("title.digits");
      $("pad-card").hidden = false;
    } else {
      setupImages(m);
    }
    fmapsPlaceholder();
  }

  applyLanguage(lang);
  setMode("digit");
  setMaps(showMaps);

  fetch("v1/model")
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((m) => {
      modelName = m.name || m.architecture || "";
      $("model").textContent = modelName || t("unnamed");
      showKind(m);
    })
    .catch(() => {
      modelName = null;
      $("model").textContent = t("unknown");
      showKind(null);
    });
})();
