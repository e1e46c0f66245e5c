/*
 * app_bench.js - what a worker waits for in `fieldkit app`, measured in
 * headless Chromium: the page's first paint, opening a form until its first
 * section is drawn, and the answer-to-validation round trip (an answer sent,
 * the engine's verdict back and drawn). Prints one line per figure.
 *
 *   node app_bench.js URL PROFILE_DIR PASSPHRASE BIG_PHOTO ROUNDS SERVER_PID
 *
 * After the last unlock it resets the server's peak memory (clear_refs 5),
 * so the shell can tell the capture work's peak from the unlock's (Argon2id
 * takes 32 MiB for a moment, by design: docs/device-store.md).
 */
'use strict';
const puppeteer = require('puppeteer-core');

const [url, profile, pass, bigPhoto, roundsArg, pid] = process.argv.slice(2);
const ROUNDS = +roundsArg || 100;

function stats(a) {
	const s = [...a].sort((x, y) => x - y);
	const pick = p => s[Math.min(s.length - 1, Math.floor(p * s.length))];
	return { median: pick(0.5), p95: pick(0.95), max: s[s.length - 1] };
}
const ms = x => x.toFixed(1) + ' ms';

(async () => {
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, userDataDir: profile,
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
	});
	const page = await browser.newPage();
	await page.setViewport({ width: 800, height: 480 });
	const idle = () => page.waitForFunction(() => document.body.dataset.busy === '0');

	/* the page itself: navigation to first contentful paint, cold */
	await page.goto(url, { waitUntil: 'load' });
	await page.waitForSelector('#pass');
	const fcp = await page.evaluate(() => {
		const e = performance.getEntriesByName('first-contentful-paint')[0];
		return e ? e.startTime : NaN;
	});
	console.log('app bench: page first contentful paint (cold, with the passphrase page): ' + ms(fcp));
	await page.type('#pass', pass);
	await page.click('#unlock');
	await page.waitForSelector('[data-form="family-report"]');

	/* a form: the click on "new" until its first section is drawn (form file, new record, state, render) */
	const open = [];
	for (let i = 0; i < 5; i++) {
		await page.evaluate(() => { window.__t0 = performance.now(); });
		await page.click('[data-form="family-report"]');
		await page.waitForSelector('.section[data-section="report"] .q');
		await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
		open.push(await page.evaluate(() => performance.now() - window.__t0));
		await idle();
		await page.evaluate(() => document.querySelector('#lock').click());
		await page.waitForSelector('#pass');
		await page.type('#pass', pass);
		await page.click('#unlock');
		await page.waitForSelector('[data-form="family-report"]');
	}
	const so = stats(open);
	console.log('app bench: open a form to its first section drawn: first ' + ms(open[0]) +
		', median ' + ms(so.median) + ' (family-report, ' + open.length + ' times)');
	if (pid) {
		const hwm = () => require('fs').readFileSync('/proc/' + pid + '/status', 'utf8').match(/VmHWM:\s+(\d+)/)[1] / 1024;
		console.log('app bench: server peak memory through the unlocks (Argon2id, 32 MiB each): ' + hwm().toFixed(1) + ' MiB');
		require('fs').writeFileSync('/proc/' + pid + '/clear_refs', '5');
	}
	await page.click('[data-form="family-report"]');
	await page.waitForSelector('.section[data-section="report"] .q');
	await idle();
	await page.click('#sections button[data-sec="reporter"]');
	await page.waitForSelector(`.q[data-path="reporter_dob_kind"]`);
	await page.click('.q[data-path="reporter_dob_kind"] input[value="unknown"]');
	await page.waitForSelector('.q[data-path="reporter_age"] input');
	await idle();

	/* the API alone: one answer, the whole state back (visible questions, problems, suggestions) */
	const api = await page.evaluate(async n => {
		const out = [];
		const st = await (await fetch('api/records?lang=uk', { method: 'POST', headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ form: 'family-report' }) })).json();
		let size = 0;
		for (let i = 0; i < n; i++) {
			const t0 = performance.now();
			const r = await fetch('api/r/' + st.rid + '/answer?lang=uk', { method: 'POST', headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ p: 'reporter_surname_cyr', text: 'Згурська' + i }) });
			const j = await r.text();
			out.push(performance.now() - t0);
			size = j.length;
		}
		return { out, size };
	}, ROUNDS);
	const sa = stats(api.out);
	console.log('app bench: answer round trip, API only: median ' + ms(sa.median) + ', p95 ' + ms(sa.p95) +
		' (' + ROUNDS + ' answers, state of ' + (api.size / 1024).toFixed(1) + ' KB each)');
	/* the largest family report: 20 sought children, each with its questions */
	const big = await page.evaluate(async n => {
		const post = async (path, body) => (await fetch(path + '?lang=uk', { method: 'POST',
			headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).text();
		const st = JSON.parse(await post('api/records', { form: 'family-report' }));
		let j = '';
		for (let i = 0; i < 20; i++) {
			await post('api/r/' + st.rid + '/repeat', { p: 'children', op: 'add' });
			await post('api/r/' + st.rid + '/answer', { p: 'children[' + i + '].surname_cyr', text: 'Згурська' });
			j = await post('api/r/' + st.rid + '/answer', { p: 'children[' + i + '].dob_kind', value: 'exact' });
		}
		const out = [];
		for (let i = 0; i < n; i++) {
			const t0 = performance.now();
			j = await post('api/r/' + st.rid + '/answer', { p: 'children[19].given_cyr', text: 'Марія' + i });
			out.push(performance.now() - t0);
		}
		await post('api/r/' + st.rid + '/discard', {});
		return { out, size: j.length, nq: JSON.parse(j).q.length };
	}, Math.min(ROUNDS, 50));
	const sb = stats(big.out);
	console.log('app bench: answer round trip, API only, 20 children (' + big.nq + ' visible questions): median ' +
		ms(sb.median) + ', p95 ' + ms(sb.p95) + ' (state of ' + (big.size / 1024).toFixed(0) + ' KB)');

	/* end to end: a value typed, the constraint's verdict drawn under the question */
	const ui = [];
	for (let i = 0; i < Math.min(ROUNDS, 40); i++) {
		const bad = i % 2 === 0;
		const t = await page.evaluate(bad => new Promise(resolve => {
			const q = document.querySelector('.q[data-path="reporter_age"]');
			const inp = q.querySelector('input');
			const want = bad ? 1 : 0;
			const t0 = performance.now();
			const obs = new MutationObserver(() => {
				if (q.querySelectorAll('.issues li').length === want) {
					obs.disconnect();
					requestAnimationFrame(() => resolve(performance.now() - t0));
				}
			});
			obs.observe(q, { subtree: true, childList: true, characterData: true });
			inp.value = bad ? '5' : '41';
			inp.dispatchEvent(new Event('change', { bubbles: true }));
			inp.dispatchEvent(new Event('blur'));
		}), bad);
		ui.push(t);
		await idle();
	}
	const su = stats(ui);
	console.log('app bench: answer to validation drawn (reporter age 5 <-> 41): median ' + ms(su.median) +
		', p95 ' + ms(su.p95) + ' (' + ui.length + ' answers)');

	/* a big photo streams through (the server's memory must not grow with it) */
	if (bigPhoto) {
		await page.click('#sections button[data-sec="children"]');
		await page.click('.repeat[data-key="children"] > .add');
		await page.waitForSelector('.inst[data-key="children[0]"]');
		await idle();
		await page.click('.repeat[data-key="children[0].child_photos"] > .add');
		const input = await page.waitForSelector('.q[data-path="children[0].child_photos[0].photo"] input[type=file]');
		const t0 = Date.now();
		await input.uploadFile(bigPhoto);
		await page.waitForSelector('.q[data-path="children[0].child_photos[0].photo"] .att img', { timeout: 60000 });
		await idle();
		console.log('app bench: a ' + (require('fs').statSync(bigPhoto).size / 1048576).toFixed(1) +
			' MB photo uploaded and sealed as a pending file in ' + (Date.now() - t0) + ' ms');
	}
	await browser.close();
})().catch(e => { console.error('app bench failed:', e.message); process.exit(1); });
