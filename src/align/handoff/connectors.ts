// The reference's connectors → our projectors. Its user_connector / item_connector are
// nn.Sequential(Linear(d, H/2), GELU(), Linear(H/2, H)) (RecAI RecExplainer/src/models/LLM4Exp.py),
// so module 0 is our fc1 and module 2 our fc2, weights in the same [out, in] layout and the same
// exact (erf) GELU; our projector applies the job's input scale itself, which the exported tables
// carried (manifest.ts). A missing, extra or mis-shaped tensor is one line naming it and both shapes.
import { DataError } from '../../engine/errors.js';
import { importWeights } from '../../engine/params.js';
import type { ReadTensor } from '../../engine/safetensors.js';
import type { Projector, SoftKind } from '../../lm/model/projector.js';
import { newProjectors } from '../model.js';
import { CONNECTOR_MODULES } from './manifest.js';

/** Reference name (without the module prefix) → ours. */
const LAYERS: Record<string, string> = { '0.weight': 'fc1.weight', '0.bias': 'fc1.bias', '2.weight': 'fc2.weight', '2.bias': 'fc2.bias' };

/** Projectors d → hidden holding the connector weights `tensors` (keys "user_connector.0.weight", …). */
export function connectorProjectors(
  tensors: Record<string, ReadTensor>,
  file: string,
  inDim: number,
  hidden: number,
  scale: { user: number; item: number },
): Record<SoftKind, Projector> {
  const ps = newProjectors(inDim, hidden, 0, scale);
  try {
    importWeights(
      Object.values(ps).flatMap((p) => p.variables()),
      ourNames(tensors, file, ps, inDim, hidden),
      file,
    );
    return ps;
  } catch (e) {
    Object.values(ps).forEach((p) => p.dispose());
    throw e;
  }
}

/** The connector tensors under our projector names, each checked against the projector's shape. */
function ourNames(
  tensors: Record<string, ReadTensor>,
  file: string,
  ps: Record<SoftKind, Projector>,
  inDim: number,
  hidden: number,
): Record<string, ReadTensor> {
  const ours: Record<string, ReadTensor> = {};
  const known = new Set<string>();
  for (const kind of ['user', 'item'] as const) {
    const byName = ps[kind].namedVariables();
    for (const [ref, mine] of Object.entries(LAYERS)) {
      const key = `${CONNECTOR_MODULES[kind]}.${ref}`;
      const name = `${kind}_proj.${mine}`;
      known.add(key);
      const t = tensors[key];
      const want = byName.get(name)!.shape;
      if (!t) throw new DataError({ file, field: key }, `missing: the ${kind} connector's weights are needed in this job's mode`);
      if (t.shape.join(',') !== want.join(','))
        throw new DataError(
          { file, field: key },
          `connector for a different shape: [${t.shape.join(', ')}], a ${inDim} → ${hidden} connector needs [${want.join(', ')}]`,
        );
      ours[name] = t;
    }
  }
  const extra = Object.keys(tensors).find((k) => !known.has(k));
  if (extra !== undefined)
    throw new DataError({ file, field: extra }, 'unknown connector tensor (expected modules 0 and 2 of a Sequential)');
  return ours;
}

/** The connector tensors of any safetensors file (an adapter's, with PEFT's prefix, or a merged model's): the rest is not ours to read. */
export function connectorTensors(tensors: Record<string, ReadTensor>): Record<string, ReadTensor> {
  const prefixes = Object.values(CONNECTOR_MODULES).map((m) => `${m}.`);
  return Object.fromEntries(
    Object.entries(tensors)
      .map(([k, t]): [string, ReadTensor] => [k.replace(/^base_model\.model\./, ''), t])
      .filter(([k]) => prefixes.some((p) => k.startsWith(p))),
  );
}
