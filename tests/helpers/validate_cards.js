#!/usr/bin/env node
// Check Adaptive Cards with the official JavaScript renderer (npm `adaptivecards`).
//
// Input: a JSON array of card objects, read from the file named by the first argument, or
// from stdin when there is no argument (or it is "-").
// Output (stdout): a JSON array with one entry per card, in input order:
//   {"index": 0, "problems": [{"phase": "Parse", "event": "UnknownElementType",
//                              "source": "Input.Text#name", "message": "..."}]}
// An empty "problems" list means the renderer accepted the card without any event.
// Exit status: 0 when the cards were checked (even if some have problems); 2 when the
// input could not be read or is not a JSON array.
//
// Facts about adaptivecards 3.0.6 under Node 20, found by trying them:
// - `lib/adaptivecards.js` is ESM with extension-less imports and fails to load in Node; the
//   webpack UMD bundle `dist/adaptivecards.js` loads with a plain require().
// - Loading, parsing and validating need no DOM: the bundle only touches `window`/`document`
//   when rendering (card.render()), which this script never calls. So no shims are installed.
// - Parse events (SerializationContext, target version 1.5) report unknown element/action
//   types, types newer than 1.5 (e.g. Carousel), properties newer than 1.5 (e.g. labelPosition,
//   role) and invalid enum values; validateProperties() reports a wrong card `type`, inputs
//   without `id`, duplicate ids (ShowCard cards included), required inputs without
//   label/errorMessage, an empty ChoiceSet, choices without title/value, Action.OpenUrl
//   without url, and more actions than the host config allows.
// - It silently accepts: unknown properties (ignored), an absent card `type` or `version`,
//   version "1.6" (its latest), Action.Execute without `verb`, `data` that is not an object,
//   TextBlock without text, Input.Toggle without title, and any card size. The Python side
//   (tests/helpers/cards.py) checks the ones that matter to Teams.
// - The default host config allows 5 actions per action set; Teams' published host config
//   (microsoft-teams-light.json in the AdaptiveCards repo) allows 6, so that is used here.
"use strict";

const fs = require("fs");
const path = require("path");

const AC = require(path.join(
    __dirname, "..", "..", "node_modules", "adaptivecards", "dist", "adaptivecards.js"
));

const TARGET_VERSION = AC.Versions.v1_5;
const TEAMS_HOST_CONFIG = new AC.HostConfig({ actions: { maxActions: 6 } });

function describeSource(source) {
    if (!source) {
        return null;
    }
    let name = null;
    try {
        name = typeof source.getJsonTypeName === "function" ? source.getJsonTypeName() : null;
    } catch (err) {
        name = null;
    }
    const id = source.id ? "#" + source.id : "";
    return (name || "?") + id;
}

function toProblem(event) {
    return {
        phase: AC.ValidationPhase[event.phase] || String(event.phase),
        event: AC.ValidationEvent[event.event] || String(event.event),
        source: describeSource(event.source),
        message: event.message,
    };
}

function checkCard(json) {
    const problems = [];
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
        problems.push({
            phase: "Input",
            event: "NotAnObject",
            source: null,
            message: "A card must be a JSON object, got " + JSON.stringify(json) + ".",
        });
        return problems;
    }
    try {
        const card = new AC.AdaptiveCard();
        card.hostConfig = TEAMS_HOST_CONFIG;
        const context = new AC.SerializationContext(TARGET_VERSION);
        card.parse(json, context);
        for (let i = 0; i < context.eventCount; i++) {
            problems.push(toProblem(context.getEventAt(i)));
        }
        for (const event of card.validateProperties().validationEvents) {
            problems.push(toProblem(event));
        }
    } catch (err) {
        problems.push({
            phase: "Exception",
            event: "RendererThrew",
            source: null,
            message: String(err && err.stack ? err.stack : err),
        });
    }
    return problems;
}

function main() {
    const arg = process.argv[2];
    let text;
    try {
        text = fs.readFileSync(arg && arg !== "-" ? arg : 0, "utf8");
    } catch (err) {
        process.stderr.write("validate_cards: cannot read input: " + err.message + "\n");
        return 2;
    }
    let cards;
    try {
        cards = JSON.parse(text);
    } catch (err) {
        process.stderr.write("validate_cards: input is not JSON: " + err.message + "\n");
        return 2;
    }
    if (!Array.isArray(cards)) {
        process.stderr.write("validate_cards: input must be a JSON array of cards\n");
        return 2;
    }
    const results = cards.map((card, index) => ({ index: index, problems: checkCard(card) }));
    process.stdout.write(JSON.stringify(results) + "\n");
    return 0;
}

process.exitCode = main();
