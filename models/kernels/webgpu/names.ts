// Names of the engine's own kernels. Kept apart from the kernels themselves so that engine code can
// ask "is this kernel registered?" without loading the WebGPU backend.

/** Fused multi-head attention softmax(QKᵀ/√d)·V (flash-attention style), inputs {q, k, v}, attrs {heads}. */
export const FLASH_ATTENTION_KERNEL = 'LeffaFlashAttention';
