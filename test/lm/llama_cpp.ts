// node-llama-cpp (llama.cpp's CPU build), loaded lazily for the golden tests; a string (the reason to
// skip) where it cannot be loaded.
export type NodeLlama = typeof import('node-llama-cpp');

export async function nodeLlamaCpp(): Promise<NodeLlama | string> {
  try {
    return await import('node-llama-cpp');
  } catch (e) {
    return `node-llama-cpp is not loadable: ${(e as Error).message.split('\n')[0]}`;
  }
}
