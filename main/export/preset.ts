// An export preset: what every exported file looks like (size and crop, format and quality, background),
// how it is named (naming.ts) and which metadata it carries. Presets are saved in the project
// (store/export-presets.ts); an export may also pass one inline. One schema for both, strict, with defaults.
import { z } from 'zod';

export const EXPORT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const DEFAULT_TEMPLATE = '{sku}_{colourway}_{model}_{view}_{seed}';

export const ExportPresetSpec = z
  .object({
    /** Output size in pixels; null keeps the result's own size. */
    size: z.object({ width: z.number().int().min(16).max(10_000), height: z.number().int().min(16).max(10_000) }).strict().nullable().prefault(null),
    /** cover: crop to the aspect; contain: fit inside and pad with the background. */
    fit: z.enum(['cover', 'contain']).prefault('cover'),
    format: z.enum(EXPORT_FORMATS).prefault('jpeg'),
    /** JPEG/WebP quality 1-100 (PNG is lossless and ignores it). */
    quality: z.number().int().min(1).max(100).prefault(90),
    /** Padding and transparency are filled with this colour, #rrggbb. */
    background: z.string().regex(/^#[0-9a-fA-F]{6}$/, { error: 'expected a colour as #rrggbb' }).prefault('#ffffff'),
    /** File name template (naming.ts), without extension. */
    template: z.string().min(1).max(300).prefault(DEFAULT_TEMPLATE),
    /** Embed the generation settings (seed, steps, checkpoint, ...) in the XMP beside the AI label. */
    embedSettings: z.boolean().prefault(true),
    /** Sign each file with C2PA Content Credentials (needs the signing certificate in the app settings). */
    c2pa: z.boolean().prefault(false),
    /** Remove all metadata, the AI marking included. Off by default; always comes with STRIP_WARNING. */
    strip: z.boolean().prefault(false),
    /** Release check: the channel and region the images are for (store/releases.ts). */
    channel: z.string().trim().toLowerCase().min(1).max(40).prefault('ecommerce'),
    region: z.string().trim().toUpperCase().min(1).max(40).optional(),
  })
  .strict()
  .refine((p) => !(p.strip && p.c2pa), { error: 'expected strip and c2pa not both on: stripping removes the C2PA credentials', path: ['strip'] });

export type ExportPresetSpec = z.output<typeof ExportPresetSpec>;
export type ExportPresetInput = z.input<typeof ExportPresetSpec>;

export const PresetName = z.string().trim().min(1).max(100);

export function extensionOf(format: ExportFormat): string {
  return format === 'jpeg' ? 'jpg' : format;
}
