// The two sizes of `recexplainer run`. quick: a smoke test of every stage on a 150-user sample,
// ≤ 3 minutes on 2 cores (CI runs it). full: the experiment reported in docs/results/, sized to
// finish in under 2 hours on this 2-core machine (see each stage's comment for the choice).
// Both align the embedded 5M-parameter base LM by full fine-tuning (loraR 0): on it, LoRA r16
// learned far less in the same 600 steps (I mode, 100 test users: task-3 accuracy 0.525 vs 0.885,
// task-1 H@5 0.00 vs 0.20); `align` keeps LoRA as its default for large base models.
import type { AlignConfig } from '../align/config.js';
import type { DataConfig } from '../data/config.js';
import type { EvalConfig } from '../eval/config.js';
import type { ExplainConfig } from '../explain/config.js';
import type { PretrainConfig } from '../base/config.js';
import type { TrainRecConfig } from '../rec/config.js';
import type { DistillConfig } from '../rec/distill_config.js';
import type { TasksConfig } from '../tasks/config.js';

export type ProfileName = 'quick' | 'full';
export const PROFILES: readonly ProfileName[] = ['quick', 'full'];

export interface Profile {
  data: Partial<DataConfig>;
  rec: Partial<TrainRecConfig>;
  distill: Partial<DistillConfig>; // the sasrec-kd student
  tasks: Partial<TasksConfig>;
  pretrain: Partial<PretrainConfig>;
  align: Partial<AlignConfig>; // the same for B, I and H
  alignSteps?: Partial<Record<'B' | 'I' | 'H', Partial<AlignConfig>>>; // per-mode overrides
  itemTokens?: Partial<AlignConfig>; // the item-token H row (recexplainer-h+items), over H's settings; absent: no such row
  itemTasks?: Partial<TasksConfig>; // that row's own training tasks (tasks-items/), over the profile's: the same test samples; absent: the run's tasks
  eval: Partial<EvalConfig>;
  explain: Partial<ExplainConfig>;
}

/** SASRec in RecExplainer's setting (hidden 256, history 9), as the paper's target model. */
const REC: Partial<TrainRecConfig> = { model: 'sasrec', hidden: 256, maxLen: 9, epochs: 60, evalEvery: 5, patience: 4 };

export const PROFILE: Record<ProfileName, Profile> = {
  quick: {
    data: { users: 150 },
    rec: { ...REC, hidden: 64, epochs: 10 },
    distill: { epochs: 5 },
    tasks: { task5: [100, 10] },
    pretrain: {
      layers: 2,
      hidden: 128,
      heads: 4,
      kvHeads: 4,
      ffn: 344,
      vocab: 1024,
      seqLen: 64,
      batchSize: 16,
      steps: 60,
      warmup: 10,
      evalEvery: 30,
    },
    align: { loraR: 0, epochs: 20, batchSize: 16, warmup: 20, perTask: 300, lr: 3e-3, checkpointEvery: 100 },
    alignSteps: { B: { maxSteps: 150 }, I: { maxSteps: 450 }, H: { maxSteps: 200 } }, // most of the budget on I, which the CI test checks
    eval: { users: 60, task4: 30, rankBeams: 0 }, // greedy task 2: beams cost its eval 79 → 108 s beside other jobs (the budget is 3 min)
    explain: { sample: 60, aspectStudy: 20 },
  },
  full: {
    data: {},
    rec: REC,
    distill: {},
    tasks: {},
    pretrain: {},
    align: { loraR: 0, lr: 1e-3, batchSize: 16, warmup: 50, checkpointEvery: 500 },
    alignSteps: { B: { epochs: 3 }, I: { epochs: 5 }, H: { epochs: 2 } }, // ≈ 2.2M, 2.8M, 3.7M tokens: 13, 17, 22 min
    // one epoch: its head is V + items wide, and the row's budget is 30 min with the free-decoding passes;
    // f's softmax taught at task-1 answers and after every <user> token (README, Distilling f's ranking:
    // T1 H@5 0.187 → 0.420, T6 0.028 → 0.104 on 150 users), task-2 answers under the ranking mask; the
    // input projectors drawn apart, the untied head's starting as the user projector's copy (README, A
    // shared head: T1 H@5 0.469 / 0.483 and task 3 0.886 / 0.909, where shared inputs read it at chance)
    itemTokens: { epochs: 1, distill: 10, distillTemperature: 0.5, distillUsers: true, itemHead: 'untied', projectorInit: 'shared-head' },
    // six training samples per user (history prefixes) for tasks 1, 2, 6 and every sample kept (README, A
    // shared head: T1 H@5 0.469 → 0.596, T6 0.132 → 0.217, task 3 read either way: 0.886 / 0.883)
    itemTasks: { prefixes: 6 },
    eval: { users: 0, task4: 300 },
    explain: { sample: 400, aspectStudy: 100 },
  },
};
