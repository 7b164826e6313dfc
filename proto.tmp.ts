import { initEngine } from './src/engine/backend.js';
import { tf } from './src/engine/tf.js';
import { Rng } from './src/engine/rng.js';
import { readDataset } from './src/data/dataset.js';
import { Sasrec, packBatch } from './src/rec/sasrec.js';
import { bceLoss } from './src/rec/loss.js';
await initEngine();
const ds = readDataset('/tmp/ds1');
const maxLen = Number(process.env.T ?? 200), d = Number(process.env.D ?? 50);
const model = new Sasrec({ nItems: ds.items.length, hidden: d, maxLen, blocks: 2, heads: 1, dropout: 0.2 }, 1);
const opt = tf.train.adam(1e-3, 0.9, 0.98, 1e-8);
const rng = new Rng(1);
const users = ds.sequences.map((s) => s.items.slice(0, -2));
const sets = ds.sequences.map((s) => new Set(s.items));
const sortByLen = process.env.SORT === '1';
for (let epoch = 0; epoch < 2; epoch++) {
  const order = rng.shuffle([...users.keys()]);
  if (sortByLen) { const chunks=[]; const byLen=[...order].sort((a,b)=>Math.min(users[a].length,maxLen+1)-Math.min(users[b].length,maxLen+1)); for(let i=0;i<byLen.length;i+=128) chunks.push(byLen.slice(i,i+128)); rng.shuffle(chunks); order.splice(0, order.length, ...chunks.flat()); }
  const t0 = performance.now(); let tl = 0;
  for (let i = 0; i < order.length; i += 128) {
    const ids = order.slice(i, i + 128);
    const inputs = ids.map((u) => users[u].slice(0, -1));
    const b = packBatch(inputs, maxLen);
    const pos = packBatch(ids.map((u) => users[u].slice(1)), maxLen).seq;
    const neg = new Int32Array(pos.length);
    for (let k = 0; k < pos.length; k++) if (pos[k]) { const s = sets[ids[Math.floor(k / b.len)]]; let n; do n = 1 + rng.int(ds.items.length); while (s.has(n)); neg[k] = n; }
    const tb = performance.now();
    const loss = opt.minimize(() => bceLoss(model.forward(b, true, rng), model.itemEmb, pos, neg, [b.batch, b.len]) as any, true)!;
    const l = (await loss.data())[0]; loss.dispose();
    tl += performance.now() - tb;
    if (epoch === 1 && i === 0) console.log('batch len', b.len, 'loss', l.toFixed(4), 'ms', (performance.now() - tb).toFixed(0));
  }
  console.log('epoch', epoch, ((performance.now() - t0) / 1000).toFixed(2), 's, compute', (tl/1000).toFixed(2), 'tensors', tf.memory().numTensors);
}
