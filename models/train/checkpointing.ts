// Gradient checkpointing for the UNets: per block (every ResnetBlock2D and Transformer2DModel), the
// forward keeps only the block's inputs, and the backward recomputes the block to get its gradients.
//
// How: each block's `forward` is replaced, on that block object only, by a wrapper that runs the original
// forward inside one tf.customGrad op. Inside a custom op's forward the engine records nothing on the
// gradient tape (it runs as a kernel), so none of the block's activations are kept. The op's inputs are
// everything the block reads that may need a gradient: its input activation, the time embedding
// (resnets), the reference features it attends to (generative transformers) and every parameter tensor
// it reads (fetched from the run's ParamStore outside the op, so a LoRA or variable store keeps its own
// gradient path). The op's gradFunc re-runs the block under a fresh tape and returns the gradients w.r.t.
// all of those inputs. No engine source file changes: `enableCheckpointing` patches block objects and the
// returned function restores them, so the same UNet runs with checkpointing on or off.
//
// Side outputs. A transformer block also produces values outside its return value: the reference UNet's
// captured LayerNorm1 features (ctx.captured) and the generative UNet's Leffa query/key observations
// (ctx.onQueryKey). Inside the op they are collected instead, returned as part of the op's single output
// (everything flattened and concatenated), and after the op sliced back out and delivered exactly as the
// block would have: features into ctx.captured, query/key to ctx.onQueryKey. So the Leffa loss is computed
// outside the checkpointed region from query/key tensors that are on the tape, and gradients reach the
// block through them. A transformer holding the reference UNet's stop layer (ctx.stopAfter) is run
// normally (it only computes up to one LayerNorm).
//
// Engine detail (TF.js 4.22): a tf.grads call made while another tf.grads is running its backward pass
// replaces the engine's active tape and leaves it null, and the outer call then fails ("Cannot read
// properties of null"). The recompute therefore saves and restores `engine.state.activeTape` around its
// nested gradient call (see `vjp`).
import * as tf from '../tf.ts';
import type { ParamStore } from '../nn/params.ts';
import { LeffaModel } from '../leffa/model.ts';
import type { UNet2DConditionModel } from '../unet/unet-2d-condition.ts';
import type { ResnetBlock2D } from '../unet/resnet.ts';
import type { Transformer2DModel, TransformerRunContext } from '../unet/transformer.ts';

export interface CheckpointOptions {
  /** Checkpoint ResnetBlock2D blocks (default true). */
  resnets?: boolean;
  /** Checkpoint Transformer2DModel blocks (default true). */
  transformers?: boolean;
}

/** The engine internals the recompute touches (TF.js 4.22 Engine). */
interface EngineInternals {
  state: { activeTape: unknown };
  isTapeOn(): boolean;
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: (tf.Tensor | undefined)[] };
}
const engine = (): EngineInternals => tf.engine() as unknown as EngineInternals;

/**
 * Gradients of sum(run(xs) · dy) w.r.t. every xs, recomputing run under a fresh tape. Inputs that the
 * output does not depend on get zeros. Safe to call from inside a backward pass (see the header).
 */
export function vjp(run: (xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const eng = engine();
  const outerTape = eng.state.activeTape;
  try {
    const { value, grads } = eng.gradients(() => run(xs), xs, dy, true);
    value.dispose();
    return grads.map((g, i) => g ?? tf.zerosLike(xs[i]!));
  } finally {
    eng.state.activeTape = outerTape;
  }
}

/**
 * run(inputs) as one op whose backward recomputes run: only `inputs` are kept for the backward pass.
 * `run` must be deterministic and read no other tensor that needs a gradient.
 */
export function recompute(run: (xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args.slice(0, -1) as tf.Tensor[];
    save(xs);
    return { value: run(xs), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => vjp(run, saved, dy) };
  });
  return op(...inputs);
}

/** A ParamStore that serves a fixed set of tensors by name (the op's parameter inputs). */
class InputParamStore implements ParamStore {
  constructor(private readonly map: Map<string, tf.Tensor>, private readonly where: string) {}
  get(name: string): tf.Tensor {
    const t = this.map.get(name);
    if (!t) throw new Error(`checkpointing ${this.where}: the block read ${name}, which is not among its parameters`);
    return t;
  }
}

/** Names of the parameters a block reads (its specs minus those the engine never runs, e.g. attn2). */
function usedParamNames(block: { params(): { name: string; shape: number[]; kind: 'conv' | 'linear' | 'vector' }[] }): string[] {
  return block.params().filter(LeffaModel.isUsed).map((s) => s.name);
}

// ---------------------------------------------------------------------------------------------- packing

/** Flattens and concatenates tensors into one [total] tensor (the custom op has a single output). */
function pack(ts: tf.Tensor[]): tf.Tensor {
  return ts.length === 1 ? ts[0]! : tf.concat(ts.map((t) => tf.reshape(t, [-1])), 0);
}

/** The inverse of pack, given the shapes: tensors on the tape of `flat`. */
function unpack(flat: tf.Tensor, shapes: number[][]): tf.Tensor[] {
  if (shapes.length === 1) return [flat];
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  return tf.split(flat, sizes, 0).map((t, i) => tf.reshape(t, shapes[i]!));
}

// ---------------------------------------------------------------------------------------------- resnets

type ResnetForward = ResnetBlock2D['forward'];

function checkpointedResnetForward(block: ResnetBlock2D, original: ResnetForward): ResnetForward {
  const names = usedParamNames(block);
  return function (this: ResnetBlock2D, p, x, temb) {
    if (!engine().isTapeOn()) return original.call(block, p, x, temb);
    const hasTemb = temb !== null;
    const params = names.map((n) => p.get(n));
    const inputs = [x, ...(hasTemb ? [temb] : []), ...params];
    const run = (xs: tf.Tensor[]): tf.Tensor => {
      const off = hasTemb ? 2 : 1;
      const store = new InputParamStore(new Map(names.map((n, i) => [n, xs[off + i]!])), block.path);
      return original.call(block, store, xs[0] as tf.Tensor4D, hasTemb ? (xs[1] as tf.Tensor2D) : null);
    };
    return recompute(run, inputs) as tf.Tensor4D;
  };
}

// ----------------------------------------------------------------------------------------- transformers

type TransformerForward = Transformer2DModel['forward'];

/** What a transformer run produced besides its output, in production order. */
interface SideOutputs {
  captured: { layer: string; t: tf.Tensor3D }[];
  queryKey: { layer: string; q: tf.Tensor3D; k: tf.Tensor3D; heads: number }[];
}

function checkpointedTransformerForward(block: Transformer2DModel, original: TransformerForward): TransformerForward {
  const names = usedParamNames(block);
  const layers = block.blocks.map((b) => b.attn1.layer);
  return function (this: Transformer2DModel, x, ctx) {
    if (!engine().isTapeOn() || (ctx.stopAfter !== undefined && layers.includes(ctx.stopAfter))) {
      return original.call(block, x, ctx);
    }
    const refLayers = layers.filter((l) => ctx.reference?.[l] !== undefined);
    const params = names.map((n) => ctx.p.get(n));
    const inputs: tf.Tensor[] = [x, ...refLayers.map((l) => ctx.reference![l]!), ...params];
    // Filled by the first run (the forward); the recompute produces the same structure.
    let shapes: number[][] = [];
    let meta: SideOutputs | null = null;
    const run = (xs: tf.Tensor[]): tf.Tensor => {
      const side: SideOutputs = { captured: [], queryKey: [] };
      const captured: Record<string, tf.Tensor3D> = {};
      const inner: TransformerRunContext = {
        ...ctx,
        stopped: false, // the recompute runs after the whole forward, when the real ctx may say stopped
        p: new InputParamStore(new Map(names.map((n, i) => [n, xs[1 + refLayers.length + i]!])), block.path),
        reference: ctx.reference ? Object.fromEntries(refLayers.map((l, i) => [l, xs[1 + i] as tf.Tensor3D])) : undefined,
        captured: ctx.captured ? captured : undefined,
        // Copies kept past the processor's tidy; freed below once packed.
        onQueryKey: ctx.onQueryKey
          ? (layer, q, k, heads) => { side.queryKey.push({ layer, q: tf.keep(q.clone()), k: tf.keep(k.clone()), heads }); }
          : undefined,
      };
      try {
        const h = original.call(block, xs[0] as tf.Tensor4D, inner);
        if (inner.stopped) throw new Error(`checkpointing ${block.path}: the block stopped early, which a checkpointed block must not do`);
        for (const [layer, t] of Object.entries(captured)) side.captured.push({ layer, t });
        const parts = [h, ...side.captured.map((c) => c.t), ...side.queryKey.flatMap((s) => [s.q, s.k])];
        shapes = parts.map((t) => t.shape.slice());
        meta = side;
        return pack(parts);
      } finally {
        // pack made a new tensor (or returned h itself); the kept copies are no longer needed.
        tf.dispose([...Object.values(captured), ...side.queryKey.flatMap((s) => [s.q, s.k])]);
      }
    };
    const flat = recompute(run, inputs);
    const side = meta as SideOutputs | null;
    if (!side) throw new Error(`checkpointing ${block.path}: the forward did not run`);
    return tf.tidy(() => {
      const parts = unpack(flat, shapes);
      let i = 1;
      for (const c of side.captured) ctx.captured![c.layer] = tf.keep(parts[i++] as tf.Tensor3D);
      for (const s of side.queryKey) {
        const q = parts[i++] as tf.Tensor3D;
        const k = parts[i++] as tf.Tensor3D;
        ctx.onQueryKey!(s.layer, q, k, s.heads);
      }
      return parts[0] as tf.Tensor4D;
    });
  };
}

// ------------------------------------------------------------------------------------------ installing

const ORIGINAL = Symbol('checkpointing.original');
type Patched<F> = { forward: F; [ORIGINAL]?: F };

function patch<B extends { forward: F }, F>(block: B, make: (b: B, original: F) => F, undo: (() => void)[]): void {
  const p = block as unknown as Patched<F>;
  if (p[ORIGINAL]) return; // already checkpointed (by an earlier, still active call)
  const original = block.forward;
  p[ORIGINAL] = original;
  p.forward = make(block, (original as unknown as (...a: unknown[]) => unknown).bind(block) as F);
  undo.push(() => {
    delete (p as { forward?: F }).forward; // the prototype's method shows through again
    delete p[ORIGINAL];
  });
}

/** Every resnet and transformer of a UNet, in forward order. */
export function unetBlocks(unet: UNet2DConditionModel): { resnets: ResnetBlock2D[]; transformers: Transformer2DModel[] } {
  const all = [...unet.downBlocks, unet.midBlock, ...unet.upBlocks];
  return { resnets: all.flatMap((b) => b.resnets), transformers: all.flatMap((b) => b.attentions) };
}

/**
 * Turns checkpointing on for the blocks of `unet`; returns a function that turns it off again (restoring
 * exactly the blocks this call patched). Only affects forwards run while a gradient is being recorded.
 */
export function enableCheckpointing(unet: UNet2DConditionModel, opts: CheckpointOptions = {}): () => void {
  const undo: (() => void)[] = [];
  const { resnets, transformers } = unetBlocks(unet);
  if (opts.resnets ?? true) for (const r of resnets) patch(r, checkpointedResnetForward, undo);
  if (opts.transformers ?? true) for (const t of transformers) patch(t, checkpointedTransformerForward, undo);
  return () => { for (const u of undo.splice(0).reverse()) u(); };
}

/** Whether a block's forward is currently checkpointed. */
export function isCheckpointed(block: ResnetBlock2D | Transformer2DModel): boolean {
  return (block as unknown as Patched<unknown>)[ORIGINAL] !== undefined;
}

/** Runs fn with checkpointing on for the given UNets, restoring them afterwards (also on error). */
export function withCheckpointing<T>(unets: UNet2DConditionModel[], fn: () => T, opts: CheckpointOptions = {}): T {
  const restore = unets.map((u) => enableCheckpointing(u, opts));
  try {
    return fn();
  } finally {
    for (const r of restore.reverse()) r();
  }
}

// ------------------------------------------------------------------------------------------ measuring

/** Engine internals the buffer meter hooks (TF.js 4.22 Engine). */
interface EngineBookkeeping {
  state: { tensorInfo: WeakMap<object, unknown> };
  trackTensor(a: tf.Tensor, backend: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
}

/**
 * Runs fn and returns its result with the peak of tensor memory (bytes of distinct backend buffers
 * allocated during fn and alive at the same time) above the start.
 *
 * Why not tf.memory().numBytes / tf.profile().peakBytes: the engine adds a tensor's full size for every
 * Tensor object, so views and clones that share one buffer (reshape, the copies saved for a backward
 * pass) are counted again and again; a training step's count can be several times the real memory.
 * Here a buffer is counted once, from the moment the engine first registers its dataId until the backend
 * frees it.
 */
export function measurePeakBuffers<T>(fn: () => T): { result: T; peakBytes: number } {
  const eng = tf.engine() as unknown as EngineBookkeeping;
  const sizes = new Map<object, number>();
  let live = 0;
  let peak = 0;
  const track = eng.trackTensor;
  const remove = eng.removeDataId;
  eng.trackTensor = function (this: EngineBookkeeping, a, backend) {
    const known = this.state.tensorInfo.has(a.dataId);
    track.call(this, a, backend);
    if (!known && a.dtype !== 'string' && a.dtype !== 'complex64') {
      const b = a.size * (a.dtype === 'bool' ? 1 : 4);
      sizes.set(a.dataId, b);
      live += b;
      if (live > peak) peak = live;
    }
  };
  eng.removeDataId = function (this: EngineBookkeeping, dataId, backend) {
    remove.call(this, dataId, backend);
    const b = sizes.get(dataId);
    if (b !== undefined && !this.state.tensorInfo.has(dataId)) {
      sizes.delete(dataId);
      live -= b;
    }
  };
  try {
    return { result: fn(), peakBytes: peak };
  } finally {
    delete (eng as { trackTensor?: unknown }).trackTensor;
    delete (eng as { removeDataId?: unknown }).removeDataId;
  }
}
