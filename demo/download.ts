/** Hand bytes or text to the browser as a file download. */
export function download(fileName: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked only once the download has surely read the blob: at 1 s, a busy browser (seen in CI)
  // had not started yet and saved an empty file. A minute of holding the bytes costs little.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
