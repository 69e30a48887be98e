import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, or ZHILI_CHROMIUM: the browser the UI tests drive (never a downloaded one). */
export const CHROMIUM = process.env.ZHILI_CHROMIUM ?? '/usr/bin/chromium';

export const hasChromium = fs.existsSync(CHROMIUM);

/**
 * Says loudly, once per file, that browser tests did not run and why; the tests themselves are reported
 * as skipped by the runner, never as passed.
 */
export function announceBrowserSkip(file: string): void {
  if (hasChromium) return;
  if (process.env.ZHILI_REQUIRE_CHROMIUM === '1') {
    throw new Error(
      `${file}: Chromium is required (ZHILI_REQUIRE_CHROMIUM=1) but ${CHROMIUM} does not exist`,
    );
  }
  console.warn(
    `\n!!! ${file}: browser tests SKIPPED — no Chromium at ${CHROMIUM}. ` +
      'Install Debian’s `chromium` (apt-get install chromium) or set ZHILI_CHROMIUM; `.ci/run` installs it. !!!\n',
  );
}

export async function launchChromium(): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zhili-chromium-'));
  return chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--enable-unsafe-swiftshader',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--remote-debugging-pipe',
      `--user-data-dir=${userDataDir}`,
    ],
  });
}
