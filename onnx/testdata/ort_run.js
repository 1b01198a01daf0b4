// Runs an ONNX model in ONNX Runtime's Node binding on one float32 (or,
// with a last argument int64, int64) input:
//   node ort_run.js MODEL INPUT.f32 '[N,C,H,W]' OUTPUT.f32 [float32|int64]
// writes the first output's numbers to OUTPUT.f32 and prints its dims as
// JSON. The Go tests of package onnx use it as the judge of exported
// models; NODE_PATH points at the folder holding onnxruntime-node.
const ort = require('onnxruntime-node');
const fs = require('fs');

async function main() {
  const [model, input, shape, output, dtype = 'float32'] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const buf = fs.readFileSync(input);
  const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
  const data = dtype === 'int64' ? new BigInt64Array(bytes) : new Float32Array(bytes);
  const feeds = {};
  feeds[session.inputNames[0]] = new ort.Tensor(dtype, data, JSON.parse(shape));
  const results = await session.run(feeds);
  const out = results[session.outputNames[0]];
  fs.writeFileSync(output, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  console.log(JSON.stringify({ dims: out.dims, inputs: session.inputNames, outputs: session.outputNames }));
}

main().catch((e) => { console.error(String(e && e.message || e)); process.exit(1); });
