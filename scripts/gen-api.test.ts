import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchema, SCHEMA_FILE } from './gen-api.ts';

describe('web/src/api/schema.d.ts', () => {
  it('is generated from the server’s current OpenAPI document (regenerate with npm run gen:api)', async () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(await renderSchema());
  });
});
