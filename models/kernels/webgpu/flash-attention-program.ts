// The WGSL program of the fused attention kernel: out = softmax(Q Kᵀ · scale) V per head, computed
// tile by tile with a running maximum and sum (the flash-attention recurrence), so the Nq x Nk score
// matrix is never stored: memory is O((Nq + Nk) · C) instead of O(Nq · Nk) per head.
//
// Layout: q [B, Nq, C], k and v [B, Nk, C], C = heads · d, head h at channels [h·d, (h+1)·d) (PyTorch's
// view(B, N, heads, d)), output [B, Nq, C] in the same layout, so no transposes are needed around it.
//
// Work split: one workgroup per (batch·head, block of WG queries), one invocation per query. The
// workgroup walks the keys in tiles of TK, loading each K/V tile into workgroup memory once for all
// its queries. Per tile an invocation computes its TK scores, the tile's new running max m', rescales
// its sum and accumulator by exp(m - m') once, and adds exp(s - m')·v for each key. Finally out = acc / sum.
//
// Numerics follow the plain path (models/nn/attention.ts): q is multiplied by the f32 scale first, then
// dotted with k in f32; softmax subtracts the row maximum. Only the summation order differs.
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export interface FlashAttentionShape {
  batch: number;
  nq: number;
  nk: number;
  heads: number;
  headDim: number;
}

/** Head widths above this fall back to the plain path (each invocation keeps q and acc in registers). */
export const MAX_HEAD_DIM = 256;
const MAX_KEY_TILE = 32;

/** Keys per tile: K and V tiles (2 · TK · d floats) must fit the device's workgroup memory. */
export function keyTileSize(headDim: number, workgroupStorageBytes: number): number {
  return Math.max(1, Math.min(MAX_KEY_TILE, Math.floor(workgroupStorageBytes / (2 * headDim * 4))));
}

export class FlashAttentionProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['Q', 'K', 'V'];
  uniforms = 'nq : i32, nk : i32, scale : f32,';
  workgroupSize: [number, number, number];
  private readonly d: number;
  private readonly heads: number;
  private readonly tk: number;

  constructor(s: FlashAttentionShape, workgroupStorageBytes: number) {
    this.d = s.headDim;
    this.heads = s.heads;
    this.tk = keyTileSize(s.headDim, workgroupStorageBytes);
    const wg = s.nq <= 32 ? 32 : 64; // queries per workgroup; small token counts waste fewer lanes
    this.workgroupSize = [wg, 1, 1];
    this.outputShape = [s.batch, s.nq, s.heads * s.headDim];
    this.dispatchLayout = { x: [0, 1, 2] };
    this.dispatch = [Math.ceil(s.nq / wg), s.batch * s.heads, 1];
    // Everything baked into the WGSL must be in the key (tfjs adds only ranks and dtypes).
    this.shaderKey = `leffaFlashAttention_d${this.d}_h${this.heads}_tk${this.tk}_wg${wg}`;
  }

  getUserCode(): string {
    const { d, tk, heads } = this;
    const wg = this.workgroupSize[0];
    // Barriers sit only in loops bounded by uniforms (uniform control flow); the per-query work is
    // guarded by `inRange` and contains no barrier.
    return `
      const D : u32 = ${d}u;
      const TK : u32 = ${tk}u;
      const WG : u32 = ${wg}u;
      const HEADS : u32 = ${heads}u;
      var<workgroup> kTile : array<f32, ${tk * d}>;
      var<workgroup> vTile : array<f32, ${tk * d}>;

      fn main(index : i32) {
        let nq = u32(uniforms.nq);
        let nk = u32(uniforms.nk);
        let C = HEADS * D;
        let row = workgroupId.y;            // batch * HEADS + head
        let b = row / HEADS;
        let head = row % HEADS;
        let qi = workgroupId.x * WG + localIndex;
        let inRange = qi < nq;
        let qBase = (b * nq + qi) * C + head * D;
        let kvBase = b * nk * C + head * D;

        var qv : array<f32, ${d}>;
        var acc : array<f32, ${d}>;
        var s : array<f32, ${tk}>;
        if (inRange) {
          for (var j = 0u; j < D; j++) {
            qv[j] = Q[qBase + j] * uniforms.scale;
            acc[j] = 0.0;
          }
        }
        var runMax = -3.402823e+38f;
        var runSum = 0.0f;

        for (var t0 = 0u; t0 < nk; t0 += TK) {
          let n = min(TK, nk - t0);
          for (var e = localIndex; e < n * D; e += WG) {
            let src = kvBase + (t0 + e / D) * C + e % D;
            kTile[e] = K[src];
            vTile[e] = V[src];
          }
          workgroupBarrier();
          if (inRange) {
            var tileMax = runMax;
            for (var kk = 0u; kk < n; kk++) {
              var dotv = 0.0f;
              for (var j = 0u; j < D; j++) {
                dotv += qv[j] * kTile[kk * D + j];
              }
              s[kk] = dotv;
              tileMax = max(tileMax, dotv);
            }
            // First tile: exp(-3.4e38 - tileMax) underflows to 0, and runSum and acc are 0 anyway.
            let correction = exp(runMax - tileMax);
            runSum *= correction;
            for (var j = 0u; j < D; j++) {
              acc[j] *= correction;
            }
            for (var kk = 0u; kk < n; kk++) {
              let p = exp(s[kk] - tileMax);
              runSum += p;
              for (var j = 0u; j < D; j++) {
                acc[j] += p * vTile[kk * D + j];
              }
            }
            runMax = tileMax;
          }
          workgroupBarrier();
        }

        if (inRange) {
          let inv = 1.0 / runSum;
          for (var j = 0u; j < D; j++) {
            result[qBase + j] = acc[j] * inv;
          }
        }
      }
    `;
  }
}
