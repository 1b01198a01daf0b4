// The page of baeum serve. It asks GET v1/model what the model is. For a
// reader of handwritten digits: draw with pointer events (mouse, pen or
// touch), send the drawing as a PNG a moment after the pen stops
// (debounced, one request at a time, stale answers dropped), and show
// what the model read and the 28×28 images it saw. For any other image
// model: drop a picture (or choose or paste one), send the file itself,
// and show the most probable classes by name and the image the model saw.
"use strict";

(() => {
  const MODES = {
    digit: { w: 280, h: 280, line: 20, endpoint: "v1/predict", hint: "Draw a digit here", label: "Prediction",
      tip: "Write big, in the middle. The page sends your drawing as a PNG to <code>POST /v1/predict</code>." },
    zip: { w: 720, h: 220, line: 14, endpoint: "v1/zipcode", hint: "Write a ZIP code here, e.g. 12345", label: "ZIP code",
      tip: "Leave a little space between digits. The page sends your drawing to <code>POST /v1/zipcode</code>, which cuts it into digits." },
  };
  const DEBOUNCE_MS = 180;  // send this long after the pen stops...
  const MAX_WAIT_MS = 450;  // ...or this long after the last send while it moves
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

  let mode = "digit";
  let drawing = false;
  let last = null;
  let inked = false;      // anything drawn since the last clear
  let version = 0;        // bumped by every change to the drawing
  let sentVersion = -1;   // the version last sent
  let inFlight = null;    // AbortController of the request under way
  let timer = 0;
  let lastSend = 0;       // performance.now() of the last request
  let retryAt = 0;        // not before this, after a 503

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
    hint.textContent = cfg.hint;
    $("tip").innerHTML = cfg.tip;
    $("answer-label").textContent = cfg.label;
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
  }

  function showEmpty() {
    prediction.textContent = "–";
    prediction.dataset.state = "empty";
    confidence.innerHTML = "&nbsp;";
    statusLine.textContent = "";
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

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(send, Math.max(ms, retryAt - performance.now()));
  }

  // Talking to the server: one request at a time; a change made while one
  // is under way is sent when it returns.
  function send() {
    if (!inked || version === sentVersion) return;
    if (inFlight) return; // send() runs again when it finishes
    const v = version;
    const m = mode;
    const ctrl = new AbortController();
    inFlight = ctrl;
    sentVersion = v;
    prediction.dataset.state = "busy";
    const t0 = performance.now();
    lastSend = t0;
    canvas.toBlob(async (blob) => {
      try {
        const resp = await fetch(MODES[m].endpoint, {
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
          statusLine.textContent = `the server is busy; retrying in ${after} s`;
          sentVersion = -1;
          retryAt = performance.now() + 1000 * after;
          return;
        }
        if (!resp.ok) {
          showError(resp.status, body.error || `HTTP ${resp.status}`);
        } else if (m === "digit") {
          showDigit(body, ms);
        } else {
          showZip(body, ms);
        }
        if (v === version) prediction.dataset.state = resp.ok ? "done" : "error";
      } catch (err) {
        if (err.name !== "AbortError") showError(0, "cannot reach the server: " + err.message);
      } finally {
        if (inFlight === ctrl) inFlight = null;
        if (!ctrl.signal.aborted && version !== sentVersion) schedule(0);
      }
    }, "image/png");
  }

  function showError(status, msg) {
    prediction.textContent = "?";
    confidence.innerHTML = "&nbsp;";
    const drawing = document.body.dataset.kind !== "images";
    statusLine.textContent = drawing && status === 422 ? "No digit found yet: keep drawing." : msg;
    statusLine.classList.toggle("error", !(drawing && status === 422));
  }

  function pct(p) {
    return p >= 0.995 ? "100%" : p < 0.001 ? "0%" : (100 * p).toFixed(p < 0.1 ? 1 : 0) + "%";
  }

  function showDigit(res, ms) {
    prediction.textContent = String(res.digit);
    confidence.textContent = `${pct(res.probabilities[res.digit])} sure`;
    statusLine.textContent = `answered in ${ms} ms`;
    statusLine.classList.remove("error");
    res.probabilities.forEach((p, d) => {
      const b = barRows[d];
      b.fill.style.width = (100 * p).toFixed(1) + "%";
      b.pct.textContent = pct(p);
      b.row.classList.toggle("top", d === res.digit);
    });
    paintInput(seen, res.input);
  }

  function showZip(res, ms) {
    prediction.textContent = res.digits;
    const least = Math.min(...res.confidences);
    confidence.textContent = `${res.digits.length} digit${res.digits.length === 1 ? "" : "s"}, the least sure at ${pct(least)}`;
    statusLine.textContent = `answered in ${ms} ms`;
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
    // The digits the model saw.
    const cards = res.inputs.map((input, i) => {
      const card = document.createElement("figure");
      card.className = "glyph";
      card.setAttribute("role", "listitem");
      const c = document.createElement("canvas");
      c.width = c.height = 28;
      paintInput(c, input);
      const cap = document.createElement("figcaption");
      cap.innerHTML = `<strong>${res.digits[i]}</strong><span class="muted">${pct(res.confidences[i])}</span>`;
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

  // Controls.
  for (const b of document.querySelectorAll("button[data-mode]")) {
    b.addEventListener("click", () => { if (b.dataset.mode !== mode) setMode(b.dataset.mode); });
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

  setMode("digit");

  // Models that are not digit readers: a drop zone for pictures. Names
  // come from the checkpoint, so they are only ever set as text.
  const TOP = 5;
  const drop = $("drop");
  const fileInput = $("file");
  const preview = $("preview");
  const topClasses = $("top-classes");
  const seenImage = $("seen-image");
  let model = null;
  let topRows = [];
  let previewURL = "";
  let imageCtrl = null;   // AbortController of the picture being sent

  function setupImages(m) {
    const n = m.classes.length;
    const arch = m.architecture || "model";
    document.title = `baeum · ${arch} on ${n} classes`;
    const names = m.classes.slice(0, 12).join(", ") + (n > 12 ? `, … (${n} in all)` : "");
    $("lede").textContent = `Drop a picture and see which of its ${n} classes the model takes it for: ${names}.`;
    const inp = m.input || {};
    const how = { stretch: "the picture stretched to that size", fit: "the picture scaled to fit, its aspect ratio kept", "": "pictures must have that size already" }[inp.resize] || "";
    $("input-desc").textContent = `${inp.channels === 1 ? "grey" : "colour"} ${inp.width} × ${inp.height} pixels${how ? ` (${how})` : ""}`;
    $("seen-desc").textContent = `${inp.width} × ${inp.height}, ${inp.channels === 1 ? "grey" : "colour"}`;
    $("answer-label").textContent = "Prediction";
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
    if (previewURL) URL.revokeObjectURL(previewURL);
    previewURL = "";
    preview.removeAttribute("src");
    preview.hidden = true;
    drop.classList.remove("has-picture");
    showEmpty();
    clearImageView();
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
    if (previewURL) URL.revokeObjectURL(previewURL);
    previewURL = URL.createObjectURL(file);
    preview.src = previewURL;
    preview.hidden = false;
    drop.classList.add("has-picture");
    prediction.dataset.state = "busy";
    statusLine.textContent = `sending ${file.name || "the picture"}…`;
    statusLine.classList.remove("error");
    const t0 = performance.now();
    try {
      const resp = await fetch("v1/predict", {
        method: "POST",
        headers: { "Content-Type": file.type || "application/octet-stream" },
        body: file,
        signal: ctrl.signal,
      });
      const body = await resp.json().catch(() => ({ error: `HTTP ${resp.status}` }));
      if (ctrl.signal.aborted) return;
      if (resp.status === 503) {
        const after = Number(resp.headers.get("Retry-After")) || 1;
        showError(503, `the server is busy: try again in ${after} s`);
      } else if (!resp.ok) {
        showError(resp.status, body.error || `HTTP ${resp.status}`);
      } else {
        showImage(body, Math.round(performance.now() - t0));
      }
      if (!resp.ok) clearImageView();
      prediction.dataset.state = resp.ok ? "done" : "error";
    } catch (err) {
      if (err.name !== "AbortError") {
        showError(0, "cannot reach the server: " + err.message);
        prediction.dataset.state = "error";
      }
    } finally {
      if (imageCtrl === ctrl) imageCtrl = null;
    }
  }

  function showImage(res, ms) {
    prediction.textContent = res.label;
    prediction.title = res.label;
    confidence.textContent = `${pct(res.probabilities[res.digit])} sure`;
    statusLine.textContent = `answered in ${ms} ms`;
    statusLine.classList.remove("error");
    const order = res.probabilities.map((p, k) => k).sort((a, b) => res.probabilities[b] - res.probabilities[a]);
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
      document.title = "baeum · reading handwritten digits";
      $("pad-card").hidden = false;
    } else {
      setupImages(m);
    }
  }
  fetch("v1/model")
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((m) => {
      $("model").textContent = m.name || m.architecture || "unnamed";
      showKind(m);
    })
    .catch(() => {
      $("model").textContent = "unknown";
      showKind(null);
    });
})();
