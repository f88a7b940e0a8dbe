// The browser comes from the system (Debian's chromium) or CHROME_PATH; never download one.
module.exports = { skipDownload: true };
