// The launch configuration of a job: an accelerate config (DeepSpeed, N GPUs per node × M nodes, as
// the reference's shell/config/single_node.yaml and multi_node.yaml lay it out) and a DeepSpeed
// ZeRO stage-2 config (the reference's zero_stage2_config.json, with every value the HF Trainer
// knows — precision, batch sizes, accumulation, optimizer and schedule — left "auto", so the
// launch command's flags are the one place they are set and cannot disagree with it).

export const ACCELERATE_FILE = 'accelerate.yaml';
export const DEEPSPEED_FILE = 'ds_zero2.json';
export const MAIN_PORT = 29500;

export interface LaunchShape {
  gpus: number; // per node
  nodes: number;
}

/** accelerate's YAML config; on several nodes the main node's address and each node's rank come from the launch command. */
export function accelerateConfig({ gpus, nodes }: LaunchShape): string {
  const multi = nodes > 1;
  const lines = [
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: DEEPSPEED',
    'deepspeed_config:',
    `  deepspeed_config_file: ${DEEPSPEED_FILE}`,
    ...(multi ? ['  deepspeed_multinode_launcher: standard'] : []),
    '  zero3_init_flag: false',
    "downcast_bf16: 'no'",
    'machine_rank: 0',
    ...(multi ? [`main_process_port: ${MAIN_PORT}`] : []),
    'main_training_function: main',
    `num_machines: ${nodes}`,
    `num_processes: ${gpus * nodes}`,
    `rdzv_backend: ${multi ? 'c10d' : 'static'}`,
    `same_network: ${multi ? 'false' : 'true'}`,
    'tpu_env: []',
    'tpu_use_cluster: false',
    'tpu_use_sudo: false',
    'use_cpu: false',
  ];
  return lines.join('\n') + '\n';
}

/** DeepSpeed ZeRO-2: optimizer states and gradients partitioned across the processes. */
export function deepspeedConfig(): Record<string, unknown> {
  return {
    bf16: { enabled: 'auto' },
    fp16: { enabled: 'auto', loss_scale: 0, loss_scale_window: 1000, initial_scale_power: 16, hysteresis: 2, min_loss_scale: 1 },
    optimizer: { type: 'AdamW', params: { lr: 'auto', betas: 'auto', eps: 'auto', weight_decay: 'auto' } },
    scheduler: {
      type: 'WarmupDecayLR',
      params: { warmup_min_lr: 'auto', warmup_max_lr: 'auto', warmup_num_steps: 'auto', total_num_steps: 'auto' },
    },
    zero_optimization: {
      stage: 2,
      allgather_partitions: true,
      allgather_bucket_size: 2e8,
      overlap_comm: true,
      reduce_scatter: true,
      reduce_bucket_size: 'auto',
      contiguous_gradients: true,
    },
    gradient_accumulation_steps: 'auto',
    gradient_clipping: 'auto',
    train_batch_size: 'auto',
    train_micro_batch_size_per_gpu: 'auto',
    steps_per_print: 2000,
    wall_clock_breakdown: false,
  };
}
