import sharp from 'sharp';
import { openPdf } from './text-extraction';

export interface Thumbnail {
  contentType: string;
  width: number;
  height: number;
  data: Buffer;
}

/** Raster formats sharp reads; SVG is never rendered (it is stored as text anyway). */
export const THUMBNAIL_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/tiff', 'image/heic', 'image/heif']);

const THUMB_SIDE = 256;
const PDF_PAGE_WIDTH = 512;
/** Decompression bombs: images past this many pixels are not decoded. */
const MAX_INPUT_PIXELS = 50_000_000;

/** A WebP at most 256 px on its longest side, orientation applied, metadata dropped. */
export async function imageThumbnail(bytes: Buffer): Promise<Thumbnail> {
  const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', animated: false })
    .rotate()
    .resize(THUMB_SIDE, THUMB_SIDE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 75 })
    .toBuffer({ resolveWithObject: true });
  return { contentType: 'image/webp', width: info.width, height: info.height, data };
}

/** The first page of a PDF rendered with pdfjs-dist onto an @napi-rs/canvas, as a PNG 512 px wide. */
export async function pdfFirstPage(bytes: Buffer): Promise<Thumbnail> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createCanvas } = require('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
  const task = openPdf(bytes);
  try {
    const pdf = await task.promise;
    const page = await pdf.getPage(1);
    const base = page.getViewport({ scale: 1 });
    const viewport = page.getViewport({ scale: Math.min(4, PDF_PAGE_WIDTH / base.width) });
    const width = Math.ceil(viewport.width);
    const height = Math.min(Math.ceil(viewport.height), PDF_PAGE_WIDTH * 4);
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    // @napi-rs/canvas is what pdfjs-dist itself uses in Node; its types are not the DOM's.
    await page.render({ canvas, canvasContext: context, viewport } as unknown as Parameters<typeof page.render>[0]).promise;
    return { contentType: 'image/png', width, height, data: await canvas.encode('png') };
  } finally {
    await task.destroy();
  }
}
