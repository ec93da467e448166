#!/usr/bin/env node
// Validate a Teams app manifest against Microsoft's official JSON schema, offline.
//
// Input: the manifest (JSON) from the file named by the first argument, or from stdin when
// there is no argument (or it is "-").
// Output (stdout): {"schema": "<local schema file>", "errors": ["/path message", ...]};
// an empty "errors" list means the manifest is valid.
// Exit status: 0 when the manifest was checked (valid or not); 2 when it could not be (input
// is not JSON, $schema is not a Teams schema URL, the schema package is missing).
//
// Facts about npm `@microsoft/app-manifest` 1.1.x, found by reading and trying it:
// - It ships every Teams schema under build/json-schemas/teams/v1.N/MicrosoftTeams.schema.json
//   (the older `@microsoft/teams-manifest` fetches them over the network instead).
// - Its own entry point (build/index.js) requires `fs-extra`, which 1.1.2 does not declare as
//   a dependency, so requiring the package fails. This script therefore does what its
//   AppManifestUtils.validateAgainstSchema does, with the validator it depends on: ajv with
//   the draft-04 dialect (the Teams schemas are draft-04), ajv-formats for uri, email and
//   regex, allErrors and strictTypes off, and the same repair of the schema text (a "\a" in
//   one pattern is not valid JSON).
"use strict";

const fs = require("fs");
const path = require("path");

const TEAMS_SCHEMA = /^https:\/\/developer\.microsoft\.com\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?json-schemas\/teams\/(v[0-9]+\.[0-9]+|vDevPreview)\/MicrosoftTeams\.schema\.json$/i;

function fail(message) {
    process.stderr.write(`validate_manifest.js: ${message}\n`);
    process.exit(2);
}

function readInput() {
    const arg = process.argv[2];
    const text = !arg || arg === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(arg, "utf8");
    try {
        return JSON.parse(text);
    } catch (err) {
        fail(`the manifest is not valid JSON: ${err.message}`);
    }
    return null;
}

function packageDir() {
    try {
        return path.dirname(require.resolve("@microsoft/app-manifest/package.json"));
    } catch (err) {
        fail("npm package @microsoft/app-manifest is not installed: run `npm ci` (make setup)");
    }
    return null;
}

function loadSchema(dir, manifest) {
    const url = manifest && typeof manifest === "object" ? manifest.$schema : undefined;
    const match = typeof url === "string" ? TEAMS_SCHEMA.exec(url) : null;
    if (!match) {
        fail(`$schema must be a Teams manifest schema URL like https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json, not ${JSON.stringify(url)}`);
    }
    const file = path.join(dir, "build", "json-schemas", "teams", match[1], "MicrosoftTeams.schema.json");
    if (!fs.existsSync(file)) {
        fail(`no local copy of the ${match[1]} Teams schema in @microsoft/app-manifest (${file})`);
    }
    const text = fs.readFileSync(file, "utf8").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b");
    return { file, schema: JSON.parse(text) };
}

function describe(error) {
    const where = error.instancePath || "/";
    let text = `${where} ${error.message}`;
    const p = error.params || {};
    if (p.additionalProperty !== undefined) {
        text += ` (${JSON.stringify(p.additionalProperty)})`;
    } else if (p.allowedValue !== undefined) {
        text += ` (${JSON.stringify(p.allowedValue)})`;
    } else if (p.allowedValues !== undefined) {
        text += ` (${p.allowedValues.map((v) => JSON.stringify(v)).join(", ")})`;
    }
    return text;
}

function main() {
    const manifest = readInput();
    const dir = packageDir();
    const { file, schema } = loadSchema(dir, manifest);
    const draft04 = require(require.resolve("ajv-draft-04", { paths: [dir] }));
    const formats = require(require.resolve("ajv-formats", { paths: [dir] }));
    const Ajv = draft04.default || draft04;
    const ajv = new Ajv({ allErrors: true, strictTypes: false });
    (formats.default || formats)(ajv, ["uri", "email", "regex"]);
    const validate = ajv.compile(schema);
    const errors = validate(manifest) ? [] : (validate.errors || []).map(describe);
    process.stdout.write(JSON.stringify({ schema: path.relative(process.cwd(), file), errors }) + "\n");
}

main();
