/**
 * SVG text to PNG in the page: the SVG is drawn onto a canvas at `scale` × its size (the command
 * line does the same with resvg). Text uses the page's fonts, DejaVu Sans where installed.
 */
export async function svgToPngInPage(svg: string, scale: number): Promise<Uint8Array> {
  const w = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
  const h = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1]);
  if (!(w > 0 && h > 0)) throw new Error('the figure has no width and height');
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2d canvas');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
    if (!blob) throw new Error('the canvas gave no png');
    return new Uint8Array(await blob.arrayBuffer());
  } finally {
    URL.revokeObjectURL(url);
  }
}
