#!/usr/bin/env node
// ONNX Runtime's side of `baeum bench`: inference with the Node binding
// (onnxruntime-node, the CPU library inside the npm package) on the same
// MNIST test images as baeum's and PyTorch's sides, normalised the same
// way, the same batch size and thread count.
//
//   NODE_PATH=DIR/node_modules node bench/ort_bench.js --onnx mlp.onnx \
//     --model mlp --batch 64 --threads 2 --mnist MNISTDIR --call call.onnx
//
// Only session.run is timed: each batch is a view of the images held in
// memory, wrapped in a tensor outside the clock. The session runs with
// all graph optimisations, intraOpNumThreads threads and sequential
// execution. --call names a trivial model (one negation of a 1×1 input):
// the median time of one run of it is ONNX Runtime's cost per call, which
// every batch pays. Prints one JSON object like torch_bench.py's.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const a = {batch: 64, threads: 1, warmup: 50, steps: 200};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    const v = argv[i + 1];
    if (v === undefined) throw new Error('flag --' + k + ' has no value');
    a[k] = ['batch', 'threads', 'warmup', 'steps'].includes(k) ? Number(v) : v;
  }
  for (const k of ['onnx', 'model', 'mnist']) {
    if (!a[k]) throw new Error('missing --' + k);
  }
  return a;
}

// testImages reads MNIST's test images, normalised as baeum's MNIST
// preparation does, padded by 2 on each side for LeNet-5.
function testImages(dir, model) {
  const raw = zlib.gunzipSync(fs.readFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'))).subarray(16);
  const n = raw.length / 784;
  const pad = model === 'lenet5' ? 2 : 0;
  const side = 28 + 2 * pad;
  const mean = 0.1307, std = 0.3081;
  const x = new Float32Array(n * side * side).fill((0 - mean) / std);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        x[i * side * side + (r + pad) * side + c + pad] = (raw[i * 784 + r * 28 + c] / 255 - mean) / std;
      }
    }
  }
  // The MLP reads flattened images; the convolutional and recurrent
  // models (lenet5, cnn, resnet, lstm) read (1, side, side).
  const shape = model === 'mlp' ? [784] : [1, side, side];
  return {x, n, shape, size: side * side};
}

function options(threads) {
  return {intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all'};
}

async function callOverhead(file, threads) {
  const s = await ort.InferenceSession.create(file, options(threads));
  const feeds = {x: new ort.Tensor('float32', new Float32Array(1), [1, 1])};
  const times = [];
  for (let i = 0; i < 2200; i++) {
    const t = process.hrtime.bigint();
    await s.run(feeds);
    if (i >= 200) times.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  times.sort((p, q) => p - q);
  return times[times.length >> 1];
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const data = testImages(a.mnist, a.model);
  const b = a.batch;
  if (!(b > 0 && b <= data.n)) throw new Error('batch ' + b + ' for ' + data.n + ' images');
  const session = await ort.InferenceSession.create(a.onnx, options(a.threads));
  let wall = 0n;
  let cpu0;
  for (let step = 0; step < a.warmup + a.steps; step++) {
    if (step === a.warmup) cpu0 = process.cpuUsage();
    const lo = (step * b) % (data.n - b + 1);
    const feeds = {x: new ort.Tensor('float32', data.x.subarray(lo * data.size, (lo + b) * data.size), [b, ...data.shape])};
    const t = process.hrtime.bigint();
    await session.run(feeds);
    if (step >= a.warmup) wall += process.hrtime.bigint() - t;
  }
  const cpu = process.cpuUsage(cpu0);
  const wallSec = Number(wall) / 1e9;
  const overhead = a.call ? await callOverhead(a.call, a.threads) : 0;
  console.log(JSON.stringify({
    images_per_sec: a.steps * b / wallSec,
    wall_sec: wallSec,
    cpu_sec: (cpu.user + cpu.system) / 1e6,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    threads: a.threads,
    call_overhead_us: overhead,
    config: 'ONNX Runtime ' + ort.env.versions.common + ' (Node binding, node ' + process.versions.node + '), ' +
      a.threads + ' intra-op threads, sequential, all graph optimisations, session.run timed alone',
  }));
}

main().catch((e) => {
  console.error(String(e && e.message || e));
  process.exit(1);
});
