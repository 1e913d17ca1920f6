// diffusers ResnetBlock2D ("default" time embedding norm, SiLU, output scale 1), shared by the UNets
// (with a time embedding) and the VAE (without).
import * as tf from '../tf.ts';
import { SpecList, type ParamSpec, type ParamStore } from '../nn/params.ts';
import { conv2d, groupNorm, linear, silu } from '../nn/layers.ts';

export interface ResnetOptions {
  inChannels: number;
  outChannels: number;
  /** Time embedding width; null for the VAE's resnets (no time_emb_proj). */
  tembChannels: number | null;
  groups: number;
  eps: number;
}

export class ResnetBlock2D {
  constructor(readonly path: string, readonly o: ResnetOptions) {
    for (const c of [o.inChannels, o.outChannels]) {
      if (c % o.groups !== 0) throw new Error(`${path}: GroupNorm over ${c} channels is not divisible by num_groups=${o.groups}`);
    }
  }
  get hasShortcut(): boolean { return this.o.inChannels !== this.o.outChannels; }
  params(): ParamSpec[] {
    const { inChannels: i, outChannels: o, tembChannels } = this.o;
    const s = new SpecList(this.path);
    s.norm('norm1', i);
    s.conv('conv1', o, i, 3);
    if (tembChannels !== null) s.linear('time_emb_proj', o, tembChannels);
    s.norm('norm2', o);
    s.conv('conv2', o, o, 3);
    if (this.hasShortcut) s.conv('conv_shortcut', o, i, 1);
    return s.specs;
  }
  /** x [B,H,W,Cin], temb [B,T] (already the UNet's time embedding; SiLU is applied here) -> [B,H,W,Cout]. */
  forward(p: ParamStore, x: tf.Tensor4D, temb: tf.Tensor2D | null): tf.Tensor4D {
    return tf.tidy(() => {
      const n = this.path;
      const { groups, eps } = this.o;
      let h = conv2d(p, `${n}.conv1`, silu(groupNorm(p, `${n}.norm1`, x, groups, eps)) as tf.Tensor4D); // [B,H,W,Cout]
      if (temb && this.o.tembChannels !== null) {
        const t = linear(p, `${n}.time_emb_proj`, silu(temb)); // [B, Cout]
        h = h.add(t.reshape([t.shape[0]!, 1, 1, t.shape[1]!])); // broadcast over H, W
      }
      h = conv2d(p, `${n}.conv2`, silu(groupNorm(p, `${n}.norm2`, h, groups, eps)) as tf.Tensor4D); // [B,H,W,Cout]
      const skip = this.hasShortcut ? conv2d(p, `${n}.conv_shortcut`, x) : x; // [B,H,W,Cout]
      return skip.add(h) as tf.Tensor4D;
    });
  }
}
