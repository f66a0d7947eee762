// Vercel AI SDK (ai + @ai-sdk/openai chat completions, @ai-sdk/anthropic messages) through the gateway.
import { generateText, streamText, generateObject, embedMany, tool, stepCountIs } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { ORIGIN, KEY, MODELS, EMBEDDING_MODELS, WEATHER_TEXT, HELLO, weatherSchema, cityArgs, weatherResult, check, expect, expectEqual } from './common.mjs';

const openai = createOpenAI({ baseURL: `${ORIGIN}/v1`, apiKey: KEY });
const anthropic = createAnthropic({ baseURL: `${ORIGIN}/v1`, apiKey: KEY });
const providers = [
    ['ai-sdk-openai', (m) => openai.chat(m)],
    ['ai-sdk-anthropic', (m) => anthropic(m)],
];
// Top-level fields of an OpenAI chat completion; anything else leaked from another format.
const OPENAI_FIELDS = new Set(['id', 'object', 'created', 'model', 'choices', 'usage', 'system_fingerprint', 'service_tier']);

const weather = tool({
    description: 'Current weather in a city',
    inputSchema: cityArgs,
    execute: async ({ city }) => JSON.parse(weatherResult(city)),
});

// The model an answer names, per model: [caller format, path, model id].
const answeredModels = new Map(MODELS.map((m) => [m, []]));

for (const [client, make] of providers) {
    for (const name of MODELS) {
        const model = make(name);
        await check(client, 'chat', name, async () => {
            const r = await generateText({ model, prompt: 'Say hello.', maxRetries: 0 });
            expectEqual(r.text, HELLO, 'text');
            expect(r.usage.inputTokens > 0 && r.usage.outputTokens > 0, `usage ${JSON.stringify(r.usage)}`);
            answeredModels.get(name).push([client, 'plain', r.response.modelId]);
            return `usage ${r.usage.inputTokens}/${r.usage.outputTokens} model ${r.response.modelId}`;
        });
        if (client === 'ai-sdk-openai') {
            // Fields a caller's format does not define must not leak across a translation.
            await check(client, 'openai_fields', name, async () => {
                const r = await generateText({ model, prompt: 'Say hello.', maxRetries: 0 });
                const extra = Object.keys(r.response.body ?? {}).filter((k) => !OPENAI_FIELDS.has(k));
                expect(extra.length === 0, `fields foreign to an OpenAI chat completion: ${extra.join(', ')}`);
            });
        }
        await check(client, 'stream', name, async () => {
            const r = streamText({ model, prompt: 'Say hello.', maxRetries: 0, onError: () => {} });
            let text = '';
            for await (const part of r.fullStream) {
                if (part.type === 'text-delta') text += part.text;
                if (part.type === 'error') throw part.error;
            }
            expectEqual(text, HELLO, 'streamed text');
            const usage = await r.usage;
            answeredModels.get(name).push([client, 'stream', (await r.response).modelId]);
            expect(usage.inputTokens > 0 && usage.outputTokens > 0, `usage ${JSON.stringify(usage)}`);
            return `usage ${usage.inputTokens}/${usage.outputTokens}`;
        });
        await check(client, 'tools', name, async () => {
            const r = await generateText({ model, prompt: 'Weather in Paris?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
            const calls = r.steps[0].toolCalls;
            expectEqual(calls.map((c) => [c.toolName, c.input]), [['get_weather', { city: 'Paris' }]], 'tool calls');
            expectEqual(r.text, WEATHER_TEXT, 'final text');
            expectEqual(r.steps.length, 2, 'steps');
        });
        await check(client, 'tools_stream', name, async () => {
            const r = streamText({ model, prompt: 'Weather in Paris?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0, onError: () => {} });
            let text = '';
            const calls = [];
            for await (const part of r.fullStream) {
                if (part.type === 'text-delta') text += part.text;
                if (part.type === 'tool-call') calls.push([part.toolName, part.input]);
                if (part.type === 'error') throw part.error;
            }
            expectEqual(calls, [['get_weather', { city: 'Paris' }]], 'tool calls');
            expectEqual(text, WEATHER_TEXT, 'final text');
        });
        await check(client, 'tools_parallel', name, async () => {
            // The fake model calls the tool twice in one answer when the prompt says [two].
            const r = await generateText({ model, prompt: '[two] Weather in Paris and Berlin?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0 });
            const calls = r.steps[0].toolCalls;
            expectEqual(calls.map((c) => [c.toolName, c.input]), [['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Berlin' }]], 'tool calls');
            expect(new Set(calls.map((c) => c.toolCallId)).size === 2, `tool call ids ${calls.map((c) => c.toolCallId)}`);
            expectEqual(r.text, WEATHER_TEXT, 'final text');
        });
        await check(client, 'finish_reason', name, async () => {
            const plain = await generateText({ model, prompt: 'Say hello.', maxRetries: 0 });
            const call = await generateText({ model, prompt: 'Weather in Paris?', tools: { get_weather: weather }, maxRetries: 0 });
            expectEqual([plain.finishReason, call.finishReason], ['stop', 'tool-calls'], 'finish reasons (text, tool call)');
        });
        await check(client, 'structured', name, async () => {
            const r = await generateObject({ model, schema: weatherSchema, prompt: 'Weather in Paris as JSON.', maxRetries: 0 });
            expectEqual(r.object, { city: 'Paris', temp: 21 }, 'object');
            expect(r.usage.inputTokens > 0 && r.usage.outputTokens > 0, `usage ${JSON.stringify(r.usage)}`);
        });
        if (name === 'm-anthropic') {
            // The Claude fake writes a sentence before the forced tool call that carries the JSON.
            await check(client, 'structured_preamble', name, async () => {
                const r = await generateObject({ model, schema: weatherSchema, prompt: '[preamble] Weather in Paris as JSON.', maxRetries: 0 });
                expectEqual(r.object, { city: 'Paris', temp: 21 }, 'object');
            });
        }
    }
}

for (const name of EMBEDDING_MODELS) {
    await check('ai-sdk-openai', 'embed', name, async () => {
        const r = await embedMany({ model: openai.textEmbeddingModel(name), values: ['Paris', 'Berlin'], maxRetries: 0 });
        expect(r.embeddings.length === 2 && r.embeddings.every((e) => e.length > 0), `embeddings ${r.embeddings.map((e) => e.length)}`);
        expect(r.usage.tokens > 0, `usage ${JSON.stringify(r.usage)}`);
        return `dimensions ${r.embeddings[0].length}, tokens ${r.usage.tokens}`;
    });
}

// One rule for every path: the same model name in plain and streamed answers, through both caller formats.
for (const [name, seen] of answeredModels) {
    await check('ai-sdk', 'response_model', name, async () => {
        const ids = new Set(seen.map((s) => s[2]));
        expect(seen.length === 4 && ids.size === 1, `answers name different models: ${JSON.stringify(seen)}`);
        return [...ids][0];
    });
}
