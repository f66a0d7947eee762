// OpenAI Agents SDK through the gateway, on chat completions (OpenAIChatCompletionsModel) and on the
// SDK's default, the Responses API (/v1/responses), which the gateway translates for every upstream.
import { Agent, run, tool, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, OpenAIChatCompletionsModel } from '@openai/agents';
import OpenAI from 'openai';
import { ORIGIN, KEY, MODELS, WEATHER_TEXT, HELLO, weatherSchema, cityArgs, weatherResult, check, expect, expectEqual } from './common.mjs';

setTracingDisabled(true);
const client = new OpenAI({ baseURL: `${ORIGIN}/v1`, apiKey: KEY, maxRetries: 0 });
const CLIENT = 'agents';

const weather = tool({
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: cityArgs,
    execute: async ({ city }) => weatherResult(city),
});

function usage(result) {
    const input = result.rawResponses.reduce((n, r) => n + (r.usage?.inputTokens ?? 0), 0);
    const output = result.rawResponses.reduce((n, r) => n + (r.usage?.outputTokens ?? 0), 0);
    expect(result.rawResponses.every((r) => r.usage?.inputTokens > 0 && r.usage?.outputTokens > 0),
        `usage per response ${JSON.stringify(result.rawResponses.map((r) => r.usage))}`);
    return `usage ${input}/${output}`;
}

function toolCalls(result) {
    return result.newItems.filter((i) => i.type === 'tool_call_item').map((i) => [i.rawItem.name, JSON.parse(i.rawItem.arguments)]);
}

async function streamed(agent, input) {
    const result = await run(agent, input, { stream: true });
    let text = '';
    for await (const chunk of result.toTextStream()) text += chunk;
    await result.completed;
    if (result.error) throw result.error;
    return [result, text];
}

for (const name of MODELS) {
    const model = new OpenAIChatCompletionsModel(client, name);
    const plain = new Agent({ name: 'greeter', instructions: 'Be brief.', model });
    const withTools = new Agent({ name: 'weather', instructions: 'Use the tool.', model, tools: [weather] });
    await check(CLIENT, 'chat', name, async () => {
        const r = await run(plain, 'Say hello.');
        expectEqual(r.finalOutput, HELLO, 'final output');
        return usage(r);
    });
    await check(CLIENT, 'stream', name, async () => {
        const [r, text] = await streamed(plain, 'Say hello.');
        expectEqual(text, HELLO, 'streamed text');
        return usage(r);
    });
    await check(CLIENT, 'tools', name, async () => {
        const r = await run(withTools, 'Weather in Paris?');
        expectEqual(toolCalls(r), [['get_weather', { city: 'Paris' }]], 'tool calls');
        expectEqual(r.finalOutput, WEATHER_TEXT, 'final output');
        return usage(r);
    });
    await check(CLIENT, 'tools_stream', name, async () => {
        const [r, text] = await streamed(withTools, 'Weather in Paris?');
        expectEqual(toolCalls(r), [['get_weather', { city: 'Paris' }]], 'tool calls');
        expectEqual(text, WEATHER_TEXT, 'streamed text');
    });
    await check(CLIENT, 'tools_sequential', name, async () => {
        const agent = withTools.clone({ modelSettings: { parallelToolCalls: false } });
        const r = await run(agent, 'Weather in Paris?');
        expectEqual(toolCalls(r), [['get_weather', { city: 'Paris' }]], 'tool calls');
        expectEqual(r.finalOutput, WEATHER_TEXT, 'final output');
    });
    await check(CLIENT, 'tools_required', name, async () => {
        const agent = withTools.clone({ modelSettings: { toolChoice: 'required' } });
        const r = await run(agent, 'Weather in Paris?');
        expectEqual(toolCalls(r), [['get_weather', { city: 'Paris' }]], 'tool calls');
        expectEqual(r.finalOutput, WEATHER_TEXT, 'final output');
    });
    await check(CLIENT, 'structured', name, async () => {
        const agent = new Agent({ name: 'reporter', instructions: 'Answer in JSON.', model, outputType: weatherSchema });
        const r = await run(agent, 'Weather in Paris as JSON.');
        expectEqual(r.finalOutput, { city: 'Paris', temp: 21 }, 'final output');
    });
}

// The SDK's default API: /v1/responses, translated by the gateway for every upstream.
setDefaultOpenAIClient(client);
setOpenAIAPI('responses');
for (const name of MODELS) {
    const plain = new Agent({ name: 'greeter', instructions: 'Be brief.', model: name });
    const withTools = new Agent({ name: 'weather', instructions: 'Use the tool.', model: name, tools: [weather] });
    await check('agents-responses', 'chat', name, async () => {
        const r = await run(plain, 'Say hello.');
        expectEqual(r.finalOutput, HELLO, 'final output');
        return usage(r);
    });
    await check('agents-responses', 'stream', name, async () => {
        const [r, text] = await streamed(plain, 'Say hello.');
        expectEqual(text, HELLO, 'streamed text');
        return usage(r);
    });
    await check('agents-responses', 'tools', name, async () => {
        const r = await run(withTools, 'Weather in Paris?');
        expectEqual(toolCalls(r), [['get_weather', { city: 'Paris' }]], 'tool calls');
        expectEqual(r.finalOutput, WEATHER_TEXT, 'final output');
        return usage(r);
    });
    await check('agents-responses', 'tools_stream', name, async () => {
        const [r, text] = await streamed(withTools, 'Weather in Paris?');
        expectEqual(toolCalls(r), [['get_weather', { city: 'Paris' }]], 'tool calls');
        expectEqual(text, WEATHER_TEXT, 'streamed text');
    });
    await check('agents-responses', 'structured', name, async () => {
        const agent = new Agent({ name: 'reporter', instructions: 'Answer in JSON.', model: name, outputType: weatherSchema });
        const r = await run(agent, 'Weather in Paris as JSON.');
        expectEqual(r.finalOutput, { city: 'Paris', temp: 21 }, 'final output');
    });
}
