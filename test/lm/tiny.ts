// A tiny random Llama shape (GQA, 2 layers) and its end token, shared by the decoding tests.
export const TINY = {
  vocab_size: 40,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 48,
  max_position_embeddings: 64,
};
export const EOS = 1;
