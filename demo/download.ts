/** Hand bytes or text to the browser as a file download. */
export function download(fileName: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started reading the blob by the next task; then the URL can go.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
