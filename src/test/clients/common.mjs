// Shared by the client checks: where the gateway is, which models to try, and how a check reports.
// Each check prints one JSON line {client, check, model, ok, detail}; JsClientsTest reads them.
import { z } from 'zod';

export const ORIGIN = required('GATEHOUSE_ORIGIN'); // http://127.0.0.1:PORT
export const KEY = required('GATEHOUSE_KEY');
// Gateway model names, each routed to an upstream of one format (OpenAI, Anthropic, Gemini).
export const MODELS = (process.env.GATEHOUSE_MODELS || 'm-openai,m-anthropic,m-gemini').split(',');
// Embedding models, routed to an OpenAI and a Gemini upstream.
export const EMBEDDING_MODELS = (process.env.GATEHOUSE_EMBEDDING_MODELS || 'e-openai,e-gemini').split(',');

// What the fakes answer: the weather tool is called with {"city":"Paris"}, its result is followed
// by WEATHER_TEXT, and structured output is {"city":"Paris","temp":21}.
export const WEATHER_TEXT = 'It is 21 degrees in Paris.';
export const weatherSchema = z.object({ city: z.string(), temp: z.number() });
export const cityArgs = z.object({ city: z.string() });
export const weatherResult = (city) => JSON.stringify({ city, temp: 21 });

function required(name) {
    const v = process.env[name];
    if (!v) {
        console.error(`${name} is not set`);
        process.exit(2);
    }
    return v;
}

export function report(client, check, model, ok, detail = '') {
    console.log(JSON.stringify({ client, check, model, ok: !!ok, detail: String(detail).slice(0, 600) }));
}

export function expectEqual(actual, expected, what) {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

export function expect(condition, message) {
    if (!condition) throw new Error(message);
}

// Runs one check with a time bound; an exception is a failed check with the error as detail.
export async function check(client, name, model, fn, timeoutMs = 20000) {
    let timer;
    try {
        const detail = await Promise.race([
            fn(),
            new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs); }),
        ]);
        report(client, name, model, true, detail ?? '');
    } catch (e) {
        report(client, name, model, false, describe(e));
    } finally {
        clearTimeout(timer);
    }
}

// An error as the client saw it: status and body when the client kept them.
function describe(e) {
    const parts = [e?.name, e?.message];
    const status = e?.status ?? e?.statusCode ?? e?.response?.status;
    if (status) parts.push(`status=${status}`);
    const body = e?.responseBody ?? e?.error ?? e?.lastError?.responseBody;
    if (body) parts.push(`body=${typeof body === 'string' ? body : JSON.stringify(body)}`);
    if (e?.cause?.message) parts.push(`cause=${e.cause.message}`);
    return parts.filter(Boolean).join(' | ');
}

// The plain answer every upstream gives when there is nothing else to do.
export const HELLO = 'Hello from the gateway test.';
