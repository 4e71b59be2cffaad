import { z } from 'zod';
import { AgencyCodeSchema, UsernameSchema } from './identity';

/** An uploaded seal or signature image as JSON (the routes also take multipart with one `file` part). */
export const SignatureImageUploadSchema = z.object({
  /** PNG with transparency, base64; at most 512 KiB decoded, 32–2000 pixels a side. SVG is refused (415). */
  pngBase64: z.string().min(8).max(800_000),
});

/** What is stored for a seal or signature image. */
export const SignatureImageInfoSchema = z.object({
  kind: z.enum(['seal', 'signature']),
  agency: AgencyCodeSchema,
  username: UsernameSchema.optional(),
  width: z.number().int(),
  height: z.number().int(),
  sha256: z.string(),
  size: z.number().int(),
  uploadedBy: z.string(),
  uploadedAt: z.string(),
});

export const AgencyCodeParamsSchema = z.object({ code: AgencyCodeSchema });
export const UsernameParamsSchema = z.object({ username: UsernameSchema });
