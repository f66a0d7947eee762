// LangChain JS (ChatOpenAI on chat completions, ChatAnthropic on messages) through the gateway.
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { ChatAnthropic } from '@langchain/anthropic';
import { tool } from '@langchain/core/tools';
import { HumanMessage } from '@langchain/core/messages';
import { ORIGIN, KEY, MODELS, EMBEDDING_MODELS, WEATHER_TEXT, HELLO, weatherSchema, cityArgs, weatherResult, check, expect, expectEqual } from './common.mjs';

const clients = [
    ['langchain-openai', (model) => new ChatOpenAI({ model, apiKey: KEY, configuration: { baseURL: `${ORIGIN}/v1` }, maxRetries: 0 })],
    ['langchain-anthropic', (model) => new ChatAnthropic({ model, apiKey: KEY, anthropicApiUrl: ORIGIN, maxRetries: 0 })],
];

const weather = tool(async ({ city }) => weatherResult(city), {
    name: 'get_weather',
    description: 'Current weather in a city',
    schema: cityArgs,
});

function text(message) {
    return typeof message.content === 'string' ? message.content
        : message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
}

function usageOf(message) {
    const u = message.usage_metadata;
    expect(u && u.input_tokens > 0 && u.output_tokens > 0, `usage_metadata ${JSON.stringify(u)}`);
    return `usage ${u.input_tokens}/${u.output_tokens}`;
}

async function collect(stream) {
    let acc;
    for await (const chunk of stream) acc = acc ? acc.concat(chunk) : chunk;
    return acc;
}

for (const [client, make] of clients) {
    for (const name of MODELS) {
        const llm = make(name);
        await check(client, 'chat', name, async () => {
            const m = await llm.invoke('Say hello.');
            expectEqual(text(m), HELLO, 'text');
            return usageOf(m);
        });
        await check(client, 'stream', name, async () => {
            const m = await collect(await llm.stream('Say hello.'));
            expectEqual(text(m), HELLO, 'streamed text');
            return usageOf(m);
        });
        await check(client, 'tools', name, async () => {
            const bound = llm.bindTools([weather]);
            const human = new HumanMessage('Weather in Paris?');
            const ai = await bound.invoke([human]);
            expectEqual(ai.tool_calls.map((c) => [c.name, c.args]), [['get_weather', { city: 'Paris' }]], 'tool calls');
            const result = await weather.invoke(ai.tool_calls[0]);
            const final = await bound.invoke([human, ai, result]);
            expectEqual(text(final), WEATHER_TEXT, 'final text');
        });
        await check(client, 'tools_stream', name, async () => {
            const bound = llm.bindTools([weather]);
            const human = new HumanMessage('Weather in Paris?');
            const ai = await collect(await bound.stream([human]));
            expectEqual(ai.tool_calls.map((c) => [c.name, c.args]), [['get_weather', { city: 'Paris' }]], 'tool calls');
            const result = await weather.invoke(ai.tool_calls[0]);
            const final = await collect(await bound.stream([human, ai, result]));
            expectEqual(text(final), WEATHER_TEXT, 'final text');
        });
        await check(client, 'tools_parallel', name, async () => {
            const bound = llm.bindTools([weather]);
            const human = new HumanMessage('[two] Weather in Paris and Berlin?');
            const ai = await bound.invoke([human]);
            expectEqual(ai.tool_calls.map((c) => [c.name, c.args]), [['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Berlin' }]], 'tool calls');
            const results = await Promise.all(ai.tool_calls.map((c) => weather.invoke(c)));
            const final = await bound.invoke([human, ai, ...results]);
            expectEqual(text(final), WEATHER_TEXT, 'final text');
        });
        await check(client, 'structured', name, async () => {
            const out = await llm.withStructuredOutput(weatherSchema, { name: 'weather' }).invoke('Weather in Paris as JSON.');
            expectEqual(out, { city: 'Paris', temp: 21 }, 'object');
        });
    }
}

for (const name of EMBEDDING_MODELS) {
    // The openai package asks for base64 embeddings unless told otherwise.
    await check('langchain-openai', 'embed', name, async () => {
        const embeddings = new OpenAIEmbeddings({ model: name, apiKey: KEY, configuration: { baseURL: `${ORIGIN}/v1` }, maxRetries: 0 });
        const vectors = await embeddings.embedDocuments(['Paris', 'Berlin']);
        expect(vectors.length === 2 && vectors.every((v) => v.length > 0 && v.every(Number.isFinite)), `vectors ${vectors.map((v) => v.length)}`);
        return `dimensions ${vectors[0].length}`;
    });
}
