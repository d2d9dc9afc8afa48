import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vm from 'node:vm';
import sharp from 'sharp';
import { selectBackend, tf } from '../src/backend';
import { autoRange, imageGridPng } from '../src/viz/image-grid';
import { plotHtml, plotlyLoaderHtml } from '../src/viz/plot';
import { DisplaySink, initPlots, resetPlotSession, showImages, showPlot } from '../src/viz/display';

class RecordingSink implements DisplaySink {
  outputs: Array<{ mime: string; data: string | Uint8Array }> = [];
  png(b: Uint8Array) { this.outputs.push({ mime: 'image/png', data: b }); }
  html(s: string) { this.outputs.push({ mime: 'text/html', data: s }); }
  text(s: string) { this.outputs.push({ mime: 'text/plain', data: s }); }
}

test('autoRange picks [0,1], [-1,1] or the data range', () => {
  assert.deepEqual(autoRange([{ values: [0, 0.5, 1] }]), [0, 1]);
  assert.deepEqual(autoRange([{ values: [-0.2, 0.9] }]), [-1, 1]);
  assert.deepEqual(autoRange([{ values: [0, 255] }]), [0, 255]);
  assert.deepEqual(autoRange([{ values: [3, 3] }]), [2.5, 3.5]);
});

test('imageGridPng lays out a batch with scale, gap and value mapping', async () => {
  await selectBackend('wasm', { log: false });
  // 3 images of 2×4, values −1, 0, 1: with range [-1,1] they map to 0, 128 (rounded 127.5), 255.
  const batch = tf.stack([tf.fill([2, 4, 1], -1), tf.fill([2, 4, 1], 0), tf.fill([2, 4, 1], 1)]);
  const png = await imageGridPng(batch, { scale: 3, cols: 2, gap: 1, range: [-1, 1] });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, 2 * 4 * 3 + 3 * 1);
  assert.equal(info.height, 2 * 2 * 3 + 3 * 1);
  const px = (x: number, y: number) => data[(y * info.width + x) * info.channels];
  assert.equal(px(1, 1), 0); // first cell
  assert.equal(px(1 + 12 + 1, 1), 128); // second cell, same row
  assert.equal(px(1, 1 + 6 + 1), 255); // third cell, second row
  assert.equal(px(0, 0), 255); // gap is background
  batch.dispose();
});

test('imageGridPng: captions add a text band; bad shapes and ranges are named', async () => {
  const img = { data: new Float32Array(6 * 6).fill(0.5), shape: [6, 6] };
  const plain = await sharp(await imageGridPng([img, img], { scale: 2 })).metadata();
  const captioned = await sharp(await imageGridPng([img, img], { scale: 2, captions: ['a', 'b'] })).metadata();
  assert.ok((captioned.height ?? 0) > (plain.height ?? 0));
  await assert.rejects(imageGridPng({ data: [1, 2], shape: [1, 1, 2] }), /C = 1 or 3/);
  await assert.rejects(imageGridPng(img, { range: [1, 1] }), /range \[1, 1\] is empty/);
});

test('plotHtml: data embedded, script-safe, no bundle unless asked, draws through window.Plotly', () => {
  const fig = { data: [{ y: [1, 2, 3], name: '</script><b>x' }], layout: { title: { text: 't' } } };
  const html = plotHtml(fig, { id: 'p1' });
  assert.ok(!html.includes('</script><b>'), 'a trace name must not close the script');
  assert.ok(html.length < 5000, 'a figure without the bundle is small');
  assert.ok(!plotHtml(fig).includes('Plotly, Inc'));
  assert.ok(plotHtml(fig, { includeBundle: true }).includes('Plotly, Inc'));
  // Run the figure's script against a fake page: it must queue until Plotly exists, then draw.
  const calls: unknown[][] = [];
  const el = { innerHTML: 'pending' };
  const window: Record<string, unknown> = {};
  const context = vm.createContext({ window, document: { getElementById: (id: string) => (id === 'p1' ? el : null) } });
  const script = /<script type="text\/javascript">([\s\S]*)<\/script>/.exec(html)![1];
  vm.runInContext(script, context);
  assert.equal((window.__simganPlotlyQueue as unknown[]).length, 1);
  window.Plotly = { newPlot: (...args: unknown[]) => calls.push(args) };
  for (const draw of window.__simganPlotlyQueue as Array<() => void>) draw();
  assert.equal(calls.length, 1);
  assert.equal(calls[0][0], el);
  assert.deepEqual(JSON.parse(JSON.stringify(calls[0][1])), fig.data);
  assert.equal(el.innerHTML, '');
});

test('the plotly loader is valid JavaScript and defines no AMD module', () => {
  const loader = plotlyLoaderHtml();
  const body = loader.slice(loader.indexOf('>') + 1, loader.lastIndexOf('</script>'));
  assert.doesNotThrow(() => new vm.Script(body));
  assert.ok(!/<\/script/i.test(body));
});

test('showPlot emits the bundle once per session, in its own output; showImages emits one PNG', async () => {
  resetPlotSession();
  const sink = new RecordingSink();
  showPlot({ data: [{ y: [1] }] }, { sink });
  showPlot({ data: [{ y: [2] }] }, { sink });
  const htmls = sink.outputs.filter((o) => o.mime === 'text/html').map((o) => o.data as string);
  assert.equal(htmls.length, 3);
  assert.ok(htmls[0].includes('Plotly, Inc') && !htmls[1].includes('Plotly, Inc') && !htmls[2].includes('Plotly, Inc'));
  initPlots({ sink });
  assert.equal(sink.outputs.length, 3, 'initPlots does nothing once the bundle is out');
  await showImages({ data: [0, 1, 0, 1], shape: [2, 2] }, { sink });
  assert.equal(sink.outputs.at(-1)!.mime, 'image/png');
  assert.deepEqual(Array.from((sink.outputs.at(-1)!.data as Uint8Array).subarray(0, 4)), [0x89, 0x50, 0x4e, 0x47]);
});
