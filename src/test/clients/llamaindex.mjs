// LlamaIndex (@llamaindex/openai on chat completions) through the gateway.
import { OpenAI, OpenAIEmbedding } from '@llamaindex/openai';
import { ORIGIN, KEY, MODELS, EMBEDDING_MODELS, WEATHER_TEXT, HELLO, weatherSchema, weatherResult, check, expect, expectEqual } from './common.mjs';

const CLIENT = 'llamaindex';
const weather = {
    metadata: {
        name: 'get_weather',
        description: 'Current weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
    call: async ({ city }) => weatherResult(city),
};

function usage(raw) {
    const u = raw?.usage;
    expect(u && u.prompt_tokens > 0 && u.completion_tokens > 0, `usage ${JSON.stringify(u)}`);
    return `usage ${u.prompt_tokens}/${u.completion_tokens}`;
}

for (const name of MODELS) {
    const llm = new OpenAI({ model: name, apiKey: KEY, baseURL: `${ORIGIN}/v1`, maxRetries: 0 });
    const user = { role: 'user', content: 'Say hello.' };
    await check(CLIENT, 'chat', name, async () => {
        const r = await llm.chat({ messages: [user] });
        expectEqual(r.message.content, HELLO, 'text');
        return usage(r.raw);
    });
    await check(CLIENT, 'stream', name, async () => {
        let text = '';
        for await (const chunk of await llm.chat({ messages: [user], stream: true })) text += chunk.delta;
        expectEqual(text, HELLO, 'streamed text');
    });
    await check(CLIENT, 'tools', name, async () => {
        const question = { role: 'user', content: 'Weather in Paris?' };
        const r = await llm.chat({ messages: [question], tools: [weather] });
        const calls = r.message.options?.toolCall ?? [];
        expectEqual(calls.map((c) => [c.name, typeof c.input === 'string' ? JSON.parse(c.input) : c.input]),
            [['get_weather', { city: 'Paris' }]], 'tool calls');
        const result = await weather.call({ city: 'Paris' });
        const final = await llm.chat({
            messages: [question, r.message, { role: 'user', content: result, options: { toolResult: { id: calls[0].id, result, isError: false } } }],
            tools: [weather],
        });
        expectEqual(final.message.content, WEATHER_TEXT, 'final text');
        return usage(final.raw);
    });
    await check(CLIENT, 'structured', name, async () => {
        const r = await llm.chat({ messages: [{ role: 'user', content: 'Weather in Paris as JSON.' }], responseFormat: weatherSchema });
        expectEqual(JSON.parse(r.message.content), { city: 'Paris', temp: 21 }, 'object');
    });
}

for (const name of EMBEDDING_MODELS) {
    await check(CLIENT, 'embed', name, async () => {
        const embedding = new OpenAIEmbedding({ model: name, apiKey: KEY, baseURL: `${ORIGIN}/v1`, maxRetries: 0 });
        const vectors = await embedding.getTextEmbeddings(['Paris', 'Berlin']);
        expect(vectors.length === 2 && vectors.every((v) => v.length > 0 && v.every(Number.isFinite)), `vectors ${vectors.map((v) => v.length)}`);
        return `dimensions ${vectors[0].length}`;
    });
}
