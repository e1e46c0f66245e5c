/*
 * fieldkit app - the page. Plain JavaScript, no framework, no build step.
 *
 * The page is a view: the answers live in the fieldkit process that served
 * it, and every rule of the form (relevance, required, constraints,
 * calculations, transliteration, defaults) is evaluated there by the same
 * forms engine as the terminal wizard. The page sends what the worker typed,
 * one answer at a time, and draws the state it gets back. Nothing is stored
 * in the browser: no localStorage, sessionStorage, IndexedDB, cookies or
 * cache (the server answers Cache-Control: no-store). Text from the form and
 * from answers is only ever put into the page as text (textContent, value),
 * never as HTML.
 */
'use strict';
(() => {
	const STR = window.FK_STRINGS;
	const $ = (sel, el) => (el || document).querySelector(sel);

	/* ---------- small helpers ---------- */

	/* h('div', {class: 'x', onclick: f}, 'text', child...) - text is always text. */
	function h(tag, attrs, ...kids) {
		const el = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === undefined || v === null || v === false) continue;
			if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
			else if (k === 'class') el.className = v;
			else if (k === 'dataset') Object.assign(el.dataset, v);
			else if (k in el && typeof v !== 'string') el[k] = v;
			else el.setAttribute(k, v === true ? '' : v);
		}
		for (const c of kids.flat()) {
			if (c === undefined || c === null || c === false) continue;
			el.append(c instanceof Node ? c : document.createTextNode(String(c)));
		}
		return el;
	}

	let lang = 'uk';
	function t(key, ...args) {
		let s = (STR[lang] && STR[lang][key]) || STR.en[key] || key;
		args.forEach((a, i) => { s = s.split('{' + i + '}').join(String(a)); });
		return s;
	}

	class ApiError extends Error {
		constructor(msg, status, body) { super(msg); this.status = status; this.body = body; }
	}

	/* body[data-busy] is 1 while anything is being sent (tests wait on it). */
	let calls = 0;
	function setBusy() {
		document.body.dataset.busy = calls > 0 || pending.size > 0 || inflight ? '1' : '0';
	}

	/* This tab's id: the server lets one tab edit a record at a time (another tab
	   that opens it takes it over, and this one is told). A random id, nothing
	   about the record, kept across a reload of this tab in window.name (which
	   stays with the tab, and is not storage the browser keeps on disk). */
	const NAME = /^fieldkit-tab:([0-9a-f]{32})(?::(uk|en))?$/.exec(window.name || '');
	const TAB = NAME ? NAME[1] : (() => {
		const b = new Uint8Array(16);
		crypto.getRandomValues(b);
		return Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
	})();
	/* The language the worker chose in this tab, kept over a reload the same way
	   (the page came back in the app's language). */
	const CHOSEN = NAME && NAME[2] ? NAME[2] : null;
	function remember(l) { window.name = 'fieldkit-tab:' + TAB + (l ? ':' + l : ''); }
	remember(CHOSEN);

	/* Every call carries the page language; the server answers in it. */
	async function api(method, path, body, headers) {
		calls++;
		setBusy();
		try {
			return await apiCall(method, path, body, headers);
		} finally {
			calls--;
			setBusy();
		}
	}
	/* The address of a call: the page's language and tab ride along. */
	function apiUrl(path) {
		return 'api/' + path + (path.includes('?') ? '&' : '?') + 'lang=' + lang + '&tab=' + TAB;
	}
	async function apiCall(method, path, body, headers) {
		const url = apiUrl(path);
		const init = { method, cache: 'no-store', credentials: 'same-origin', headers: headers || {} };
		if (body instanceof Blob) {
			init.body = body;
		} else if (body !== undefined) {
			init.body = JSON.stringify(body);
			init.headers['Content-Type'] = 'application/json';
		}
		let r;
		try {
			r = await fetch(url, init);
		} catch (e) {
			/* What was typed since is not saved: the header must not say it is. */
			app.gone = true;
			setSaved();
			throw new ApiError(t('err_server_gone'), 0, null);
		}
		app.gone = false;
		let j = null;
		try { j = await r.json(); } catch (e) { j = null; }
		/* Not one of our answers: the address is no longer served, fieldkit app was
		   started again (a new secret in the address). */
		if (r.status === 404 && j === null) {
			app.gone = true;
			setSaved();
			throw new ApiError(t('err_restarted'), 404, null);
		}
		if (r.status === 423) {
			showLock();
			throw new ApiError(t('locked'), 423, j);
		}
		armIdle();
		if (r.status === 409 && j && j.code === 'elsewhere') {
			/* Another tab took this record over: stop editing it here, say where it went. */
			lostRecord(j.error);
			throw new ApiError(j.error, 409, j);
		}
		if (r.status === 404 && j && app.st && path.startsWith('r/' + app.st.rid)) {
			/* Not open any more: sealed or closed in another window (or the app
			   locked and reopened without it): back to the start page, said why. */
			lostRecord(t('record_gone'));
			throw new ApiError(t('record_gone'), 404, { code: 'elsewhere' });
		}
		if (!r.ok) throw new ApiError((j && j.error) || r.statusText, r.status, j);
		return j;
	}

	/* The app forgets the passphrase after --lock-after without a request; the page
	   then hides what it shows at the same moment (it waited for the next key, and
	   a child's answers stayed on the screen of an unattended laptop). A request
	   restarts the count, as it does on the server. */
	let idleTimer = 0;
	function armIdle() {
		clearTimeout(idleTimer);
		const s = app.status && app.status.lock_after;
		if (s > 0)
			idleTimer = setTimeout(() => { if (app.view !== 'lock') showLock(); }, (s + 1) * 1000);
	}

	let toastTimer = 0;
	function toast(msg, bad) {
		let el = $('.toast');
		if (!el) { el = h('div', { class: 'toast', role: 'alert' }); document.body.append(el); }
		el.textContent = msg;
		el.classList.toggle('bad', !!bad);
		clearTimeout(toastTimer);
		toastTimer = setTimeout(() => el.remove(), bad ? 6000 : 3000);
	}
	function fail(e) {
		if (e && e.status === 423) return;
		if (e && e.body && e.body.code === 'elsewhere') return; /* said on the start page */
		toast((e && e.message) || String(e), true);
	}

	function confirmBox(text, yes, danger) {
		const d = $('#confirm');
		$('#confirm-text').textContent = text;
		$('#confirm-yes').textContent = yes || t('ok');
		$('#confirm-yes').className = danger ? 'danger' : 'primary';
		$('#confirm-no').textContent = t('cancel');
		return new Promise(resolve => {
			const done = v => { d.close(); cleanup(); resolve(v); };
			const y = () => done(true), n = () => done(false), c = () => { cleanup(); resolve(false); };
			function cleanup() {
				$('#confirm-yes').removeEventListener('click', y);
				$('#confirm-no').removeEventListener('click', n);
				d.removeEventListener('cancel', c);
			}
			$('#confirm-yes').addEventListener('click', y);
			$('#confirm-no').addEventListener('click', n);
			d.addEventListener('cancel', c);
			d.showModal();
			$('#confirm-no').focus();
		});
	}

	function fmtTime(sec) {
		if (!sec) return '';
		const d = new Date(sec * 1000);
		return d.toLocaleString(lang === 'uk' ? 'uk-UA' : 'en-GB',
			{ day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
	}
	function fmtSize(n) {
		if (n < 1024) return t('size_b', n);
		if (n < 1048576) return t('size_kb', Math.round(n / 1024));
		const mb = Math.round(n / 104857.6) / 10;
		return t('size_mb', lang === 'uk' ? String(mb).replace('.', ',') : String(mb));
	}

	/* Record paths: "children[1].child_photos[0].photo". */
	function pathSegs(p) {
		return p.split('.').map(s => {
			const m = /^([a-z][a-z0-9_]*)\[(\d+)\]$/.exec(s);
			return m ? { n: m[1], i: +m[2] } : { n: s };
		});
	}
	function getAt(obj, p) {
		let cur = obj;
		for (const s of pathSegs(p)) {
			if (!cur || typeof cur !== 'object') return undefined;
			cur = cur[s.n];
			if (s.i !== undefined) cur = Array.isArray(cur) ? cur[s.i] : undefined;
		}
		return cur;
	}
	function lastName(p) { return pathSegs(p).pop().n; }
	function prefixOf(p) { const i = p.lastIndexOf('.'); return i < 0 ? '' : p.slice(0, i + 1); }
	function isEmpty(v) { return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0); }

	/* ---------- the form definition ---------- */

	/* Indexes a form file (the form language of docs/schema-language.md). */
	function indexForm(def) {
		const by = {};
		const secOf = {};
		let run = -1, prevLeaf = false;
		const sections = [];
		function walk(fields, parent, top) {
			for (const f of fields) {
				f.parent = parent;
				by[f.name] = f;
				const tp = top || f.name;
				if (!top) {
					if (f.type === 'group' || f.type === 'repeat') {
						sections.push({ id: f.name, field: f });
						prevLeaf = false;
					} else {
						if (!prevLeaf) { run++; sections.push({ id: '_' + run, field: null }); }
						prevLeaf = true;
					}
				}
				secOf[f.name] = top ? secOf[top] : sections[sections.length - 1].id;
				if (f.fields) walk(f.fields, f, tp);
			}
		}
		walk(def.fields, null, null);
		def.by = by;
		def.secOf = secOf;
		def.sections = sections;
		return def;
	}
	function L(text) {
		if (!text) return '';
		return text[lang] || text[app.def.languages[0]] || '';
	}
	function choicesOf(f) { return (f.choices && app.def.choices[f.choices]) || []; }
	function choiceLabel(f, name) {
		const c = choicesOf(f).find(c => c.name === name);
		return c ? L(c.label) : name;
	}

	/* ---------- application state ---------- */

	const app = {
		status: null, forms: [], defs: {}, def: null,
		st: null,            /* the record's state from the server */
		view: 'lock',
		sec: 0,              /* index into the visible sections */
		touched: new Set(),  /* paths the worker has left */
		tried: new Set(),    /* sections the worker has left with Next */
		fromReview: false,
		review: null,
		blobs: new Map(),    /* attachment id -> object URL of the worker's own file (this page only) */
		nodes: new Map(),    /* path key -> element of the current section */
	};

	/* ---------- header ---------- */

	function setLang(l) {
		lang = l;
		document.documentElement.lang = l;
		for (const b of document.querySelectorAll('.langs button'))
			b.setAttribute('aria-pressed', String(b.dataset.lang === l));
		$('#lock').textContent = t('lock');
		$('#close').textContent = t('close');
		$('#prev').textContent = t('back');
		$('#toreview').textContent = t('to_review');
	}
	/* Another language: everything is drawn again from what the server says in it
	   (the engine's messages, the review's problems), nothing kept from the old one. */
	async function switchLang(l) {
		if (l === lang) return;
		setLang(l);
		remember(l);
		const keep = anchorOf();
		try {
			if (app.st && app.view === 'form') {
				await flush();
				app.st = await api('GET', 'r/' + app.st.rid);
			} else if (app.st && app.view === 'review') {
				await flush();
				app.st = await api('GET', 'r/' + app.st.rid);
				app.review = await api('POST', 'r/' + app.st.rid + '/review');
			} else if (app.view === 'home') {
				const [f, d] = await Promise.all([api('GET', 'forms'), api('GET', 'drafts')]);
				app.forms = f.forms;
				app.drafts = d.drafts;
			}
		} catch (e) { fail(e); }
		const t0 = $('.toast');
		if (t0) t0.remove();
		app.nodes.clear();
		$('#main').replaceChildren();
		render();
		restoreAnchor(keep);
	}
	/* Where the worker is: the question at the top of the screen (or the focused one). */
	function anchorOf() {
		const f = document.activeElement;
		const q = f && f.closest && f.closest('#main .q');
		if (q) return { p: q.dataset.path, top: q.getBoundingClientRect().top, focus: true };
		for (const el of document.querySelectorAll('#main .q')) {
			const top = el.getBoundingClientRect().top;
			if (top >= 0) return { p: el.dataset.path, top };
		}
		return null;
	}
	function restoreAnchor(a) {
		if (!a) return;
		const el = document.querySelector('#main .q[data-path="' + CSS.escape(a.p) + '"]');
		if (!el) return;
		window.scrollBy(0, el.getBoundingClientRect().top - a.top);
		if (a.focus) {
			const inp = el.querySelector('input:not([type=file]):not([type=date]), select, textarea');
			if (inp) inp.focus({ preventScroll: true });
		}
	}
	function setSaved() {
		const el = $('#saved');
		if (!app.st) { el.textContent = ''; return; }
		if (app.gone) el.textContent = t('not_answering');
		else if (app.st.saved && !app.st.dirty) el.textContent = t('saved_at', fmtTime(app.st.saved));
		else if (app.st.dirty) el.textContent = t('saving');
		else el.textContent = t('not_saved');
	}
	function setTitle(s) {
		$('#title').textContent = s;
		document.title = 'fieldkit';  /* never anything typed: titles reach the browser's history */
	}

	/* ---------- views ---------- */

	function render() {
		const main = $('#main');
		const locked = app.view === 'lock';
		$('#lock').hidden = locked;
		$('#close').hidden = app.view !== 'form' && app.view !== 'review';
		$('#sections').hidden = app.view !== 'form';
		$('#bar').hidden = app.view !== 'form';
		setSaved();
		if (app.view !== 'form') { app.nodes.clear(); main.replaceChildren(); }
		({ lock: viewLock, home: viewHome, form: viewForm, review: viewReview, done: viewDone })[app.view]();
	}

	function showLock() {
		/* The record being filled is a saved draft on the server: it reopens after the unlock,
		   and what was typed but not yet sent is sent then. */
		if (app.st && app.view !== 'lock') app.resume = { rid: app.st.rid, sec: app.sec };
		app.view = 'lock';
		app.st = null;
		app.review = null;
		render();
	}

	function viewLock() {
		setTitle(t('app_title'));
		const pw = h('input', { type: 'password', id: 'pass', autocomplete: 'off', autocapitalize: 'off',
			spellcheck: false, 'aria-describedby': 'pass-msg' });
		const msg = h('p', { id: 'pass-msg', class: 'muted', role: 'alert' });
		const go = h('button', { type: 'button', class: 'primary', id: 'unlock' }, t('unlock'));
		async function unlock() {
			if (!pw.value) { msg.textContent = t('pass_empty'); pw.focus(); return; }
			go.disabled = true;
			msg.textContent = t('unlocking');
			try {
				await api('POST', 'unlock', { passphrase: pw.value });
				pw.value = '';
				const r = app.resume;
				app.resume = null;
				if (r && await openDraft(r.rid, true)) {
					if (r.sec) goSection(Math.min(r.sec, visibleSections().length - 1));
					pump();
				} else {
					pending.clear();
					await toHome();
				}
			} catch (e) {
				pw.value = '';
				msg.textContent = e.message;
				go.disabled = false;
				pw.focus();
			}
		}
		pw.addEventListener('keydown', e => { if (e.key === 'Enter') unlock(); });
		go.addEventListener('click', unlock);
		$('#main').append(h('div', { class: 'panel lockbox stack' },
			h('h2', {}, t('unlock_title')),
			h('p', {}, t('unlock_text', app.status ? app.status.device : '')),
			h('label', { for: 'pass' }, t('passphrase')), pw, msg,
			h('div', { class: 'row end' }, go),
			h('p', { class: 'muted' }, t('local_only'))));
		pw.focus();
	}

	/* The record went to another tab: what was not sent is not sent, and the start
	   page says why until the worker does something else. */
	function lostRecord(msg) {
		if (!app.st) return;
		/* What was typed here and not saved is shown, so it can be copied over. */
		const lost = [];
		for (const it of (app.sending ? [app.sending] : []).concat([...pending.values()])) {
			clearTimeout(it.timer);
			if (it.body && typeof it.body.text === 'string' && it.body.text !== '')
				lost.push(labelOfPath(it.body.p) + ': ' + it.body.text);
		}
		pending.clear();
		app.notice = lost.length ? msg + ' — ' + t('not_saved_here') + ' ' + lost.join('; ') : msg;
		toHome().then(() => window.scrollTo(0, 0));
	}

	async function toHome() {
		app.st = null;
		app.review = null;
		app.view = 'home';
		try {
			const [f, d] = await Promise.all([api('GET', 'forms'), api('GET', 'drafts')]);
			app.forms = f.forms;
			app.drafts = d.drafts;
		} catch (e) { fail(e); }
		render();
	}

	function formTitle(id) {
		const f = app.forms.find(x => x.id === id);
		return f ? (f.title[lang] || Object.values(f.title)[0]) : id;
	}

	function viewHome() {
		setTitle(t('app_title'));
		const main = $('#main');
		if (app.notice) {
			main.append(h('p', { class: 'panel notice', role: 'alert' }, app.notice));
			app.notice = null;
		}
		const news = h('div', { class: 'panel stack' }, h('h2', {}, t('new_record')));
		for (const f of app.forms)
			news.append(h('button', { type: 'button', class: 'primary big', dataset: { form: f.id },
				onclick: () => newRecord(f.id) }, '+ ' + (f.title[lang] || Object.values(f.title)[0])));
		main.append(news);
		const dr = h('div', { class: 'panel stack' }, h('h2', {}, t('drafts')));
		if (!app.drafts || app.drafts.length === 0) dr.append(h('p', { class: 'muted' }, t('no_drafts')));
		for (const d of app.drafts || []) {
			dr.append(h('div', { class: 'row draft', dataset: { draft: d.id } },
				h('div', { class: 'grow' },
					h('div', {}, h('b', {}, formTitle(d.form)), ' · ', d.id.slice(0, 8)),
					h('div', { class: 'muted' }, t('draft_meta', fmtTime(d.created), fmtTime(d.saved), d.answered))),
				h('button', { type: 'button', class: 'secondary', onclick: () => openDraft(d.id) }, t('resume')),
				h('button', { type: 'button', class: 'danger', onclick: () => discardDraft(d.id) }, t('discard'))));
		}
		main.append(dr);
		main.append(h('p', { class: 'muted' }, t('home_note')));
	}

	async function loadDef(id) {
		if (!app.defs[id]) app.defs[id] = indexForm(await api('GET', 'forms/' + encodeURIComponent(id)));
		app.def = app.defs[id];
	}
	function startForm(st) {
		history.pushState(null, '');
		app.st = st;
		app.sec = 0;
		app.touched = new Set();
		app.tried = new Set();
		app.fromReview = false;
		app.navSec = -1;
		app.view = 'form';
		render();
		window.scrollTo(0, 0);
	}
	async function newRecord(id) {
		try {
			await loadDef(id);
			startForm(await api('POST', 'records', { form: id }));
		} catch (e) { fail(e); }
	}
	async function openDraft(id, quiet) {
		try {
			const st = await api('POST', 'drafts/' + id + '/open');
			await loadDef(st.form);
			startForm(st);
			if (st.at) resumeAt(st.at);
			if (st.taken) toast(t('taken_over'));
			return true;
		} catch (e) {
			if (!quiet) fail(e);
			return false;
		}
	}
	async function discardDraft(id) {
		if (!await confirmBox(t('discard_confirm'), t('discard'), true)) return;
		try {
			await api('POST', 'drafts/' + id + '/discard');
			toast(t('discarded'));
			await toHome();
		} catch (e) { fail(e); }
	}

	/* ---------- the form ---------- */

	/* The sections that have something visible, in form order. */
	function visibleSections() {
		const present = new Set(app.st.q.map(q => app.def.secOf[q.n]));
		return app.def.sections.filter(s => present.has(s.id));
	}
	function sectionLabel(s) { return s.field ? L(s.field.label) : t('general'); }
	function sectionIssues(s) {
		return app.st.q.filter(q => app.def.secOf[q.n] === s.id && q.i && shown(q)).length;
	}
	function shown(q) {
		if (!q.i || q.i.length === 0) return false;
		if (app.tried.has(app.def.secOf[q.n])) return true;
		if (q.i[0].c === 'required') return false;
		return app.touched.has(q.p) || app.st.raw[q.p] !== undefined;
	}

	function viewForm() {
		const secs = visibleSections();
		if (app.sec >= secs.length) app.sec = Math.max(0, secs.length - 1);
		const cur = secs[app.sec];
		setTitle(L(app.def.title));
		const nav = $('#sections');
		nav.replaceChildren(...secs.map((s, i) => {
			const n = sectionIssues(s);
			return h('button', { type: 'button', 'aria-current': i === app.sec ? 'step' : false,
				dataset: { sec: s.id }, onclick: () => goSection(i) },
				(i + 1) + '. ' + sectionLabel(s), n ? h('span', { class: 'badge' }, n) : null);
		}));
		/* The current tab into view sideways, when the section changes; never by
		   scrolling the page (that made it jump on every answer at 800x480). */
		const active = nav.querySelector('[aria-current]');
		if (active && app.navSec !== app.sec) {
			app.navSec = app.sec;
			nav.scrollLeft = Math.max(0, active.offsetLeft - (nav.clientWidth - active.offsetWidth) / 2);
		}
		$('#prev').disabled = app.sec === 0;
		$('#next').textContent = app.sec === secs.length - 1 ? t('review') : t('next');
		$('#toreview').hidden = !app.fromReview || app.sec === secs.length - 1;
		drawSection(cur);
	}

	function goSection(i, noScroll) {
		const secs = visibleSections();
		app.tried.add(secs[app.sec].id);
		app.sec = i;
		app.nodes.clear();
		$('#main').replaceChildren();
		save();
		render();
		if (!noScroll) window.scrollTo(0, 0);
	}

	/* Draws the current section, keeping the elements that are already there
	   (so the field being typed in keeps its focus and caret). */
	function drawSection(sec) {
		const main = $('#main');
		let root = app.nodes.get('#root');
		if (!root || !root.isConnected) {
			app.nodes.clear();
			main.replaceChildren();
			root = h('div', { class: 'section', dataset: { section: sec.id } },
				h('h2', {}, sectionLabel(sec)), h('div', { class: 'kids' }));
			app.nodes.set('#root', root);
			main.append(root);
		}
		root.querySelector('h2').textContent = sectionLabel(sec);
		const want = new Map();           /* container -> ordered child nodes */
		const keep = new Set(['#root']);
		const qs = app.st.q.filter(q => app.def.secOf[q.n] === sec.id);
		for (const q of qs) {
			const f = app.def.by[q.n];
			let node, kids;
			if (q.d === 0 && (f.type === 'group' || f.type === 'repeat')) {
				node = null;
				if (f.type === 'repeat') drawRepeat(q, f, root, want, keep, true);
				continue;
			}
			const parent = containerOf(q, f, root);
			if (!parent) continue;
			if (f.type === 'group') {
				node = app.nodes.get(q.p) || h('fieldset', { class: 'group', dataset: { key: q.p } },
					h('legend', {}), h('div', { class: 'kids' }));
				node.querySelector('legend').textContent = L(f.label);
			} else if (f.type === 'repeat') {
				node = drawRepeat(q, f, root, want, keep, false);
			} else if (f.type === 'note') {
				node = app.nodes.get(q.p) || h('div', { class: 'note', dataset: { key: q.p } });
				node.textContent = L(f.label);
			} else {
				node = drawQuestion(q, f);
			}
			app.nodes.set(q.p, node);
			keep.add(q.p);
			if (!want.has(parent)) want.set(parent, []);
			want.get(parent).push(node);
			kids = null;
		}
		/* repeat instances were added by drawRepeat; place everything in order */
		for (const [parent, nodes] of want) place(parent, nodes);
		for (const [k, el] of app.nodes) {
			if (!keep.has(k)) { el.remove(); app.nodes.delete(k); }
		}
	}

	/* Puts nodes into parent in this order, moving only what is out of place. */
	function place(parent, nodes) {
		let cur = parent.firstChild;
		for (const n of nodes) {
			if (cur === n) { cur = cur.nextSibling; continue; }
			parent.insertBefore(n, cur);
		}
		while (cur) { const nx = cur.nextSibling; if (!nodes.includes(cur)) cur.remove(); cur = nx; }
	}

	function containerOf(q, f, root) {
		const p = f.parent;
		if (!p || (q.d === 1 && p.parent === null && (p.type === 'group' || p.type === 'repeat') && !prefixOf(q.p)))
			return $('.kids', root);
		const pre = prefixOf(q.p);
		if (p.type === 'group') {
			if (p.parent === null) return $('.kids', root);
			const g = app.nodes.get(pre + p.name);
			return g ? $('.kids', g) : null;
		}
		if (p.type === 'repeat') {
			const inst = app.nodes.get(pre.slice(0, -1));
			return inst ? $('.kids', inst) : null;
		}
		return $('.kids', root);
	}

	function drawRepeat(q, f, root, want, keep, top) {
		const key = q.p + '#rep';
		let node = app.nodes.get(key);
		if (!node) {
			node = h('div', { class: 'repeat', dataset: { key: q.p } },
				top ? null : h('h3', {}), h('div', { class: 'insts' }),
				h('button', { type: 'button', class: 'secondary add', onclick: () => addInstance(q.p) }));
			app.nodes.set(key, node);
		}
		keep.add(key);
		if (!top && node.querySelector(':scope > h3')) node.querySelector(':scope > h3').textContent = L(f.label);
		const arr = getAt(app.st.answers, q.p);
		const n = Array.isArray(arr) ? arr.length : 0;
		const max = f.max === undefined ? 100 : f.max;
		/* its own button: the first '.add' inside is a nested repeat's, in entry 1
		   (the children's button stayed enabled at 20, a child's photos' followed it) */
		const add = node.querySelector(':scope > .add');
		add.textContent = t('add_instance', L(f.label));
		add.disabled = n >= max;
		const insts = [];
		for (let i = 0; i < n; i++) {
			const ik = q.p + '[' + i + ']';
			let inst = app.nodes.get(ik);
			if (!inst) {
				inst = h('div', { class: 'inst', dataset: { key: ik } },
					h('div', { class: 'inst-head' }, h('h4', {}),
						h('button', { type: 'button', class: 'danger', onclick: () => removeInstance(q.p, i, f) }, t('remove'))),
					h('div', { class: 'kids' }));
				app.nodes.set(ik, inst);
			}
			keep.add(ik);
			inst.querySelector('h4').textContent = t('instance_of', L(f.label), i + 1, n);
			insts.push(inst);
		}
		want.set(node.querySelector(':scope > .insts'), insts);
		if (top) {
			if (!want.has($('.kids', root))) want.set($('.kids', root), []);
			want.get($('.kids', root)).push(node);
		}
		return node;
	}

	async function addInstance(p) {
		try {
			const st = await api('POST', 'r/' + app.st.rid + '/repeat', { p, op: 'add' });
			update(st);
			const idx = st.added;
			const inst = app.nodes.get(p + '[' + idx + ']');
			if (inst) {
				inst.scrollIntoView({ block: 'start', behavior: 'instant' });
				const inp = inst.querySelector('input:not([type=file]), select, textarea');
				if (inp) inp.focus({ preventScroll: true });
			}
		} catch (e) { fail(e); }
	}
	async function removeInstance(p, i, f) {
		const arr = getAt(app.st.answers, p) || [];
		if (!await confirmBox(t('remove_confirm', L(f.label), i + 1, arr.length), t('remove'), true)) return;
		try {
			await flush();
			update(await api('POST', 'r/' + app.st.rid + '/repeat', { p, op: 'remove', i }));
		} catch (e) { fail(e); }
	}

	/* ---------- one question ---------- */

	function fieldId(p) { return 'q-' + p.replace(/[^a-z0-9_]/g, '-'); }

	function drawQuestion(q, f) {
		let node = app.nodes.get(q.p);
		if (!node || node.dataset.type !== f.type || node.dataset.ro !== String(!!q.ro) ||
			node.dataset.ml !== String(!!q.ml)) {
			node = buildQuestion(q, f);
		}
		/* label, hint, required mark follow the language and the answers */
		node.querySelector('.label-text').textContent = L(f.label);
		node.querySelector('.req').hidden = !q.r;
		/* The '*' is hidden from screen readers: say "required" on the control
		   (the text box, the list, the group of choices). */
		for (const el of node.querySelectorAll('input[type=text], input[type=number], select, textarea, [role=radiogroup], [role=group]'))
			el.setAttribute('aria-required', q.r ? 'true' : 'false');
		const hint = node.querySelector('.hint');
		hint.textContent = L(f.hint);
		hint.hidden = !f.hint;
		fillQuestion(node, q, f);
		const issues = node.querySelector('.issues');
		const show = shown(q);
		node.classList.toggle('has-issue', show);
		issues.replaceChildren(...(show ? q.i.map(x => h('li', {}, x.m)) : []));
		return node;
	}

	function buildQuestion(q, f) {
		const id = fieldId(q.p);
		const node = h('div', { class: 'q', dataset: { path: q.p, type: f.type, ro: String(!!q.ro), ml: String(!!q.ml) } });
		const lab = (f.type === 'select_one' || f.type === 'select_multiple' || f.type === 'attachment' || q.ro)
			? h('div', { class: 'label', id: id + '-l' }, h('span', { class: 'label-text' }), h('span', { class: 'req', 'aria-hidden': 'true' }, ' *'))
			: h('label', { for: id, id: id + '-l' }, h('span', { class: 'label-text' }), h('span', { class: 'req', 'aria-hidden': 'true' }, ' *'));
		node.append(lab, h('div', { class: 'hint', id: id + '-h' }));
		node.append(q.ro ? h('output', { class: 'calc', id, 'aria-labelledby': id + '-l' }) : widget(q, f, id));
		node.append(h('ul', { class: 'issues', 'aria-live': 'polite' }));
		return node;
	}

	function textInput(q, f, id, extra) {
		/* Several lines only where the engine allows them (fk_field_multiline: long free
		   text); a name, a number or a place is one line, and an <input> takes no line break. */
		const long = f.type === 'text' && !!q.ml;
		const el = h(long ? 'textarea' : 'input', Object.assign({
			id, type: long ? undefined : 'text', autocomplete: 'off', spellcheck: false,
			'aria-describedby': id + '-h', dataset: { p: q.p } }, extra || {}));
		/* What is typed is sent, and the draft saved with it, 500 ms after the last key
		   (and at once when the page goes away: pagehide below). */
		el.addEventListener('input', () => queueText(el.dataset.p, el.value, 500, true));
		el.addEventListener('change', () => queueText(el.dataset.p, el.value, 0));
		el.addEventListener('blur', () => { app.touched.add(el.dataset.p); flush().then(() => redrawOne(el.dataset.p)); });
		if (!long) el.addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); focusNext(el); } });
		return el;
	}

	function widget(q, f, id) {
		switch (f.type) {
		case 'text':
			return h('div', {}, textInput(q, f, id), h('div', { class: 'sugg', hidden: true }));
		case 'integer':
			return h('div', {}, textInput(q, f, id, { inputmode: 'numeric' }), h('div', { class: 'sugg', hidden: true }));
		case 'decimal':
			return h('div', {}, textInput(q, f, id, { inputmode: 'decimal' }), h('div', { class: 'sugg', hidden: true }));
		case 'datetime':
			return h('div', {}, textInput(q, f, id, { placeholder: t('datetime_ph') }), h('div', { class: 'sugg', hidden: true }));
		case 'geopoint':
			return h('div', {}, textInput(q, f, id, { placeholder: t('geopoint_ph'), inputmode: 'decimal' }), h('div', { class: 'sugg', hidden: true }));
		case 'date': {
			const inp = textInput(q, f, id, { placeholder: t('date_ph'), inputmode: 'numeric' });
			const pick = h('input', { type: 'date', tabindex: '-1', 'aria-hidden': 'true', class: 'picker' });
			if (typeof f.max === 'string') pick.max = f.max === 'today' ? today() : f.max;
			if (typeof f.min === 'string') pick.min = f.min === 'today' ? today() : f.min;
			pick.addEventListener('change', () => {
				if (!pick.value) return;
				inp.value = pick.value;
				app.touched.add(q.p);
				queueText(q.p, pick.value, 0);
			});
			const btn = h('button', { type: 'button', class: 'secondary cal', title: t('calendar'), 'aria-label': t('calendar'),
				onclick: () => { const v = getAt(app.st.answers, q.p); pick.value = typeof v === 'string' ? v : ''; try { pick.showPicker(); } catch (e) { pick.click(); } } }, calendarIcon());
			return h('div', {}, h('div', { class: 'withbtn' }, inp, btn, pick),
				h('div', { class: 'understood', hidden: true, 'aria-live': 'polite' }), h('div', { class: 'sugg', hidden: true }));
		}
		case 'select_one': {
			const cs = choicesOf(f);
			if (cs.length > 7) {
				const sel = h('select', { id, 'aria-labelledby': id + '-l', dataset: { p: q.p } });
				sel.addEventListener('change', () => {
					app.touched.add(sel.dataset.p);
					queueValue(sel.dataset.p, sel.value === '' ? null : sel.value);
				});
				return h('div', {}, sel, h('div', { class: 'sugg', hidden: true }));
			}
			const box = h('div', { class: 'opts', role: 'radiogroup', 'aria-labelledby': id + '-l', id });
			cs.forEach((c, i) => {
				const r = h('input', { type: 'radio', name: id, value: c.name, id: id + '-' + i });
				r.addEventListener('change', () => { app.touched.add(q.p); queueValue(q.p, c.name); });
				box.append(h('label', { class: 'opt', for: id + '-' + i }, r, h('span', { class: 'ct', dataset: { c: c.name } })));
			});
			const clear = h('button', { type: 'button', class: 'link clear', onclick: () => { app.touched.add(q.p); queueValue(q.p, null); } });
			return h('div', {}, box, h('div', { class: 'sugg', hidden: true }), clear);
		}
		case 'select_multiple': {
			const box = h('div', { class: 'opts', role: 'group', 'aria-labelledby': id + '-l', id });
			choicesOf(f).forEach((c, i) => {
				const cb = h('input', { type: 'checkbox', value: c.name, id: id + '-' + i });
				cb.addEventListener('change', () => {
					app.touched.add(q.p);
					const vals = [...box.querySelectorAll('input:checked')].map(x => x.value);
					queueValue(q.p, vals.length ? vals : null);
				});
				box.append(h('label', { class: 'opt', for: id + '-' + i }, cb, h('span', { class: 'ct', dataset: { c: c.name } })));
			});
			return h('div', {}, box, h('div', { class: 'sugg', hidden: true }));
		}
		case 'attachment':
			return h('div', { class: 'attw', id });
		default:
			return h('div', {}, t('unsupported', f.type));
		}
	}

	/* Enter in a one-line answer goes on to the next question, as in the wizard. */
	function focusNext(el) {
		const all = [...document.querySelectorAll('#main .q input[type=text], #main .q textarea, #main .q select, #main .q input[type=radio], #main .q input[type=checkbox]')]
			.filter(x => x.type !== 'radio' || x === x.closest('.opts').querySelector('input'));
		const i = all.indexOf(el);
		if (i >= 0 && i + 1 < all.length) all[i + 1].focus();
		else $('#next').focus();
	}

	/* A calendar drawn in SVG (no icon font, no emoji font needed). */
	function calendarIcon() {
		const NS = 'http://www.w3.org/2000/svg';
		const svg = document.createElementNS(NS, 'svg');
		svg.setAttribute('viewBox', '0 0 24 24');
		svg.setAttribute('width', '22');
		svg.setAttribute('height', '22');
		svg.setAttribute('aria-hidden', 'true');
		for (const [tag, a] of [['rect', { x: 3, y: 5, width: 18, height: 16, rx: 2 }], ['path', { d: 'M3 10h18M8 3v4M16 3v4' }],
			['rect', { x: 7, y: 13, width: 3, height: 3 }]]) {
			const el = document.createElementNS(NS, tag);
			for (const [k, v] of Object.entries(a)) el.setAttribute(k, v);
			el.setAttribute('fill', tag === 'rect' && a.x === 7 ? 'currentColor' : 'none');
			el.setAttribute('stroke', 'currentColor');
			el.setAttribute('stroke-width', '2');
			svg.append(el);
		}
		return svg;
	}

	function today() {
		const d = new Date();
		return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
	}

	/* The text an answer is shown as in an input. */
	function asText(f, v) {
		if (isEmpty(v)) return '';
		if (f.type === 'geopoint' && typeof v === 'object') return v.lat + ' ' + v.lon + (v.accuracy !== undefined ? ' ' + v.accuracy : '');
		if (typeof v === 'number') return lang === 'uk' && f.type === 'decimal' ? String(v).replace('.', ',') : String(v);
		if (f.type === 'date') return readable(f, v);
		return String(v);
	}
	/* An answer as a person reads it (review, suggestions). */
	function readable(f, v) {
		if (isEmpty(v)) return '';
		switch (f.type) {
		case 'select_one': return choiceLabel(f, v);
		case 'select_multiple': return v.map(c => choiceLabel(f, c)).join(', ');
		case 'attachment': return v.name || v.id;
		case 'date': {
			const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(v);
			return m ? m[3] + '.' + m[2] + '.' + m[1] : v;
		}
		default: return asText(f, v);
		}
	}

	function fillQuestion(node, q, f) {
		const v = getAt(app.st.answers, q.p);
		const raw = app.st.raw[q.p];
		if (q.ro) {
			const out = node.querySelector('output');
			out.textContent = q.s === undefined ? '—' : readable(f, q.s);
			return;
		}
		const sugg = node.querySelector('.sugg');
		const inp = node.querySelector('input[type=text], textarea');
		if (inp) {
			const want = raw !== undefined ? raw : asText(f, v);
			/* The server's answer is shown unless the worker is typing in the field: a
			   focused field not typed in since the server last filled it follows it too
			   (a Latin name that followed its Cyrillic one must not show the old one). */
			const untouched = inp.dataset.sv !== undefined && inp.value === inp.dataset.sv;
			if ((document.activeElement !== inp || untouched) && !pendingFor(q.p) && inp.value !== want) inp.value = want;
			if (!pendingFor(q.p) && inp.value === want) inp.dataset.sv = want;
			inp.placeholder = q.s !== undefined && isEmpty(v) ? readable(f, q.s) : (f.type === 'date' ? t('date_ph') : inp.getAttribute('placeholder') && f.type !== 'text' ? inp.placeholder : '');
			if (f.type === 'date') { if (!inp.placeholder) inp.placeholder = t('date_ph'); }
			inp.setAttribute('aria-invalid', String(shown(q)));
		}
		const sel = node.querySelector('select');
		if (sel) {
			const cs = choicesOf(f);
			if (sel.options.length !== cs.length + 1 || sel.dataset.lang !== lang) {
				sel.replaceChildren(h('option', { value: '' }, t('choose')), ...cs.map(c => h('option', { value: c.name }, L(c.label))));
				sel.dataset.lang = lang;
			}
			sel.value = isEmpty(v) ? '' : v;
		}
		for (const ct of node.querySelectorAll('.ct')) ct.textContent = choiceLabel(f, ct.dataset.c);
		if (f.type === 'select_one' && !sel) {
			for (const r of node.querySelectorAll('input[type=radio]')) r.checked = r.value === v;
			const clear = node.querySelector('.clear');
			clear.textContent = t('clear');
			clear.hidden = isEmpty(v);
		}
		if (f.type === 'select_multiple') {
			const set = new Set(Array.isArray(v) ? v : []);
			for (const c of node.querySelectorAll('input[type=checkbox]')) c.checked = set.has(c.value);
		}
		if (f.type === 'attachment') fillAttachment(node, q, f, v);
		const und = node.querySelector('.understood');
		if (und) {
			/* Which date the engine understood, in words: 14.05.2012 is 14 May. */
			und.hidden = !q.u || raw !== undefined;
			und.textContent = q.u && raw === undefined ? t('understood', q.u) : '';
		}
		if (sugg) {
			if (q.s !== undefined && isEmpty(v) && raw === undefined) {
				sugg.hidden = false;
				/* rebuilt only when it changes: a redraw between the press and the release
				   of "Use it" would take the click away */
				const key = lang + ':' + (f.translit_from ? 't' : 'd') + ':' + JSON.stringify(q.s);
				if (sugg.dataset.key === key) return;
				sugg.dataset.key = key;
				sugg.replaceChildren(h('span', {}, f.translit_from ? t('translit_sugg') : t('default_sugg')), h('b', {}, readable(f, q.s)),
					h('button', { type: 'button', class: 'link take', onclick: () => { app.touched.add(q.p); queueTake(q.p); } }, t('use_it')));
			} else {
				sugg.hidden = true;
				sugg.dataset.key = '';
				sugg.replaceChildren();
			}
		}
	}

	function attUrl(id) {
		return app.blobs.get(id) || ('api/r/' + app.st.rid + '/att/' + encodeURIComponent(id));
	}

	function fillAttachment(node, q, f, v) {
		const w = node.querySelector('.attw');
		const key = (v ? 'a:' + v.id : 'none') + ':' + lang;
		if (w.dataset.key === key) return;
		w.dataset.key = key;
		if (v && v.id) {
			const img = /^image\/(jpeg|png)$/.test(v.media_type)
				? h('img', { src: attUrl(v.id), alt: t('photo_alt', v.name || '') })
				: h('div', { class: 'doc' }, (v.media_type || '').split('/').pop().toUpperCase());
			w.replaceChildren(h('div', { class: 'att' }, img,
				h('div', { class: 'meta' }, h('div', {}, v.name || v.id), h('div', { class: 'muted' }, fmtSize(v.size))),
				h('button', { type: 'button', class: 'danger detach', onclick: () => detach(q.p, v) }, t('remove_file'))));
			return;
		}
		const mts = f.media_types || (f.kind === 'photo' ? ['image/jpeg', 'image/png'] : ['application/pdf', 'image/jpeg', 'image/png']);
		const file = h('input', { type: 'file', accept: mts.join(','), class: 'file' });
		file.addEventListener('change', () => { if (file.files[0]) upload(q.p, file.files[0], file.files[0].name); });
		const kids = [h('label', { class: 'filebtn' }, file, f.kind === 'photo' ? t('choose_photo') : t('choose_file'))];
		if (f.kind === 'photo' && navigator.mediaDevices && navigator.mediaDevices.getUserMedia)
			kids.push(h('button', { type: 'button', class: 'secondary camera', onclick: () => camera(q.p) }, t('camera')));
		const names = mts.map(m => ({ 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'application/pdf': 'PDF' })[m] || m);
		const list = names.length > 1 ? names.slice(0, -1).join(', ') + t('or') + names[names.length - 1] : names[0];
		kids.push(h('span', { class: 'muted types' }, t('file_types', list, fmtSize(f.max_size || 10485760))));
		w.replaceChildren(h('div', { class: 'row' }, kids), h('div', { class: 'progress', hidden: true }));
	}

	async function upload(p, blob, name) {
		const node = app.nodes.get(p);
		const pr = node && node.querySelector('.progress');
		if (pr) { pr.hidden = false; pr.textContent = t('uploading', fmtSize(blob.size)); }
		try {
			await flush();
			const st = await api('POST', 'r/' + app.st.rid + '/attach?p=' + encodeURIComponent(p) +
				'&name=' + encodeURIComponent(name), blob, { 'Content-Type': blob.type || 'application/octet-stream' });
			const v = getAt(st.answers, p);
			if (v && v.id) app.blobs.set(v.id, URL.createObjectURL(blob));
			app.touched.add(p);
			update(st);
		} catch (e) {
			if (pr) pr.hidden = true;
			fail(e);
		}
	}
	async function detach(p, v) {
		if (!await confirmBox(t('remove_file_confirm', v.name || ''), t('remove_file'), true)) return;
		try {
			await flush();
			const st = await api('POST', 'r/' + app.st.rid + '/detach', { p });
			const u = app.blobs.get(v.id);
			if (u) { URL.revokeObjectURL(u); app.blobs.delete(v.id); }
			update(st);
		} catch (e) { fail(e); }
	}

	/* A photo from the laptop's camera (getUserMedia); nothing is kept but the upload. */
	async function camera(p) {
		const d = $('#camera'), video = $('#camera-video'), msg = $('#camera-msg');
		$('#camera-snap').textContent = t('take_photo');
		$('#camera-cancel').textContent = t('cancel');
		msg.textContent = '';
		let stream = null;
		const stop = () => { if (stream) stream.getTracks().forEach(tr => tr.stop()); video.srcObject = null; };
		try {
			stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1920 } }, audio: false });
		} catch (e) {
			toast(t('no_camera'), true);
			return;
		}
		video.srcObject = stream;
		d.showModal();
		const blob = await new Promise(resolve => {
			const snap = () => {
				const c = document.createElement('canvas');
				c.width = video.videoWidth || 640;
				c.height = video.videoHeight || 480;
				c.getContext('2d').drawImage(video, 0, 0, c.width, c.height);
				c.toBlob(b => { c.width = c.height = 0; resolve(b); }, 'image/jpeg', 0.9);
			};
			const cancel = () => resolve(null);
			$('#camera-snap').onclick = snap;
			$('#camera-cancel').onclick = cancel;
			d.oncancel = cancel;
		});
		stop();
		d.close();
		if (!blob) return;
		const n = new Date();
		const stamp = n.getFullYear() + String(n.getMonth() + 1).padStart(2, '0') + String(n.getDate()).padStart(2, '0') +
			'-' + String(n.getHours()).padStart(2, '0') + String(n.getMinutes()).padStart(2, '0') + String(n.getSeconds()).padStart(2, '0');
		await upload(p, blob, 'camera-' + stamp + '.jpg');
	}

	/* ---------- sending answers: one at a time, in order ---------- */

	const pending = new Map();   /* path -> {body, timer} */
	let inflight = null;
	function pendingFor(p) { return pending.has(p); }
	function queueText(p, text, delay, saveToo) { queue(p, saveToo ? { p, text, save: true } : { p, text }, delay); }
	function queueValue(p, value) { queue(p, { p, value }, 0); }
	/* "Use it": the server takes what it would fill in now, not a copy kept here. */
	function queueTake(p) { queue(p, { p, take: true }, 0); }
	function queue(p, body, delay) {
		const old = pending.get(p);
		if (old) clearTimeout(old.timer);
		const item = { body, timer: 0 };
		pending.set(p, item);
		setBusy();
		item.timer = setTimeout(() => { item.timer = 0; pump(); }, delay);
	}
	function pump() {
		if (inflight) return inflight;
		inflight = (async () => {
			await Promise.resolve(); /* inflight is set before the loop runs */
			try {
				for (;;) {
					/* locked (or the record went elsewhere) meanwhile: what is typed
					   waits for the unlock (a TypeError was shown as the lock came) */
					if (!app.st) break;
					let next = null;
					for (const [p, it] of pending) if (!it.timer) { next = [p, it]; break; }
					if (!next) break;
					pending.delete(next[0]);
					app.sending = next[1];
					try {
						update(await api('POST', 'r/' + app.st.rid + '/answer', next[1].body));
					} catch (e) {
						if (e.status === 423) { pending.set(next[0], next[1]); break; }
						fail(e);
					} finally {
						app.sending = null;
					}
				}
			} finally {
				inflight = null;
				setBusy();
			}
		})();
		return inflight;
	}
	/* Sends everything typed so far, now. */
	async function flush() {
		for (const it of pending.values()) { clearTimeout(it.timer); it.timer = 0; }
		await pump();
		if (inflight) await inflight;
	}
	function redrawOne(p) {
		if (app.view !== 'form') return;
		const q = app.st.q.find(x => x.p === p);
		if (q) drawQuestion(q, app.def.by[q.n]);
		viewFormNavOnly();
	}
	function viewFormNavOnly() {
		const secs = visibleSections();
		for (const b of $('#sections').children) {
			const s = secs.find(x => x.id === b.dataset.sec);
			if (!s) continue;
			const n = sectionIssues(s);
			let badge = b.querySelector('.badge');
			if (n && !badge) b.append(badge = h('span', { class: 'badge' }));
			if (badge) { if (n) badge.textContent = n; else badge.remove(); }
		}
	}
	/* The draft is saved (sealed) by the server; asked for 2 s after the last change,
	   so the header can say so. The server saves on its own too. */
	let saveTimer = 0;
	function saveSoon() {
		clearTimeout(saveTimer);
		saveTimer = setTimeout(() => { if (app.st && app.st.dirty && !pending.size && !inflight) save(); }, 2000);
	}
	function update(st) {
		if (!app.st || st.rid !== app.st.rid) return;
		app.st = st;
		if (st.dirty) saveSoon();
		if (app.view === 'form') {
			/* Redrawing must not move the question being answered: what appears or goes
			   above it (a problem, a question made relevant) is made up by scrolling. */
			const f = document.activeElement;
			const inMain = f && f !== document.body && $('#main').contains(f);
			const top = inMain ? f.getBoundingClientRect().top : 0;
			render();
			if (inMain && f.isConnected) {
				const d = f.getBoundingClientRect().top - top;
				if (Math.abs(d) >= 1) window.scrollBy(0, d);
			}
		} else setSaved();
	}
	async function save() {
		try {
			await flush();
			if (app.st) update(await api('POST', 'r/' + app.st.rid + '/save'));
		} catch (e) { fail(e); }
	}

	/* ---------- moving around ---------- */

	async function next() {
		const secs = visibleSections();
		await flush();
		if (app.sec < secs.length - 1) {
			goSection(app.sec + 1);
			const first = $('#main input:not([type=file]):not([type=date]), #main select, #main textarea');
			if (first && matchMedia('(min-width: 700px)').matches) first.focus({ preventScroll: true });
		} else {
			app.tried.add(secs[app.sec].id);
			await toReview();
		}
	}
	async function prev() {
		await flush();
		if (app.sec > 0) goSection(app.sec - 1);
	}

	/* Draws the section of path with its question in view; returns that question's
	   element (null when the path is in no visible section). */
	function showSection(p) {
		const secs = visibleSections();
		const i = secs.findIndex(s => s.id === app.def.secOf[lastName(p)]);
		app.sec = i < 0 ? 0 : i;
		app.nodes.clear();
		$('#main').replaceChildren();
		render();
		const node = app.nodes.get(p) || app.nodes.get(p + '#rep');
		if (node) node.scrollIntoView({ block: 'center', behavior: 'instant' });
		return node;
	}

	/* A reopened draft: the section of the question last answered, that question
	   in view (it opened at section 1 and the worker had to find the place). */
	function resumeAt(p) {
		const secs = visibleSections();
		if (secs.findIndex(s => s.id === app.def.secOf[lastName(p)]) > 0) showSection(p);
	}

	/* Opens the section of path, scrolls to the question and puts the cursor in it. */
	async function goTo(p) {
		app.view = 'form';
		app.fromReview = true;
		try { app.st = await api('GET', 'r/' + app.st.rid); } catch (e) { fail(e); return; }
		const node = showSection(p);
		if (node) {
			node.classList.remove('flash');
			void node.offsetWidth;
			node.classList.add('flash');
			const inp = node.querySelector('input:not([type=file]):not([type=date]), select, textarea, button');
			if (inp) inp.focus({ preventScroll: true });
		}
	}

	/* ---------- review ---------- */

	async function toReview() {
		try {
			await flush();
			app.st = await api('POST', 'r/' + app.st.rid + '/save');
			app.review = await api('POST', 'r/' + app.st.rid + '/review');
			if (app.view !== 'review') history.pushState(null, '');
			app.view = 'review';
			render();
			window.scrollTo(0, 0);
		} catch (e) { fail(e); }
	}

	function viewReview() {
		const rv = app.review;
		setTitle(t('review_title', L(app.def.title)));
		const main = $('#main');
		main.append(h('h2', {}, t('review_title', L(app.def.title))));
		/* Problems in form order (text not accepted came after the others). */
		const at = new Map(rv.q.map((x, i) => [x.p, i]));
		const ord = p => (at.has(p) ? at.get(p) : rv.q.length);
		rv.issues.sort((a, b) => ord(a.p) - ord(b.p));
		if (rv.issues.length) {
			main.append(h('div', { class: 'problems', role: 'alert' },
				h('b', {}, t('problems', rv.issues.length)),
				h('ul', {}, rv.issues.map(x => h('li', {},
					h('button', { type: 'button', class: 'link', onclick: () => goTo(x.p || firstPath()) },
						(x.p ? labelOfPath(x.p) + ': ' : '') + x.m))))));
		} else {
			main.append(h('div', { class: 'complete' }, t('complete')));
		}
		const qs = rv.q;
		let box = null, curSec = null;
		for (const q of qs) {
			const f = app.def.by[q.n];
			const sec = app.def.secOf[q.n];
			if (sec !== curSec) {
				curSec = sec;
				const s = app.def.sections.find(x => x.id === sec);
				box = h('section', { class: 'rv' }, h('h3', {}, sectionLabel(s)));
				main.append(box);
			}
			if (f.type === 'group') {
				if (q.d > 0) box.append(h('h4', {}, L(f.label)));
				continue;
			}
			if (f.type === 'repeat') {
				const arr = getAt(rv.answers, q.p);
				const n = Array.isArray(arr) ? arr.length : 0;
				if (n === 0) box.append(row(q, f, t('none_added'), true));
				continue;
			}
			if (f.type === 'note') continue;
			const m = /^(.*)\[(\d+)\]\.[a-z0-9_]+$/.exec(q.p);
			if (m && rv.q.find(x => x.p.startsWith(m[1] + '[' + m[2] + '].')) === q) {
				const rf = app.def.by[lastName(m[1])];
				const arr = getAt(rv.answers, m[1]) || [];
				box.append(h('h4', {}, t('instance_of', L(rf.label), +m[2] + 1, arr.length)));
			}
			/* Typed text not accepted is shown as typed, not the answer (or the
			   default) it left in place: the review showed today's date for 31.02. */
			const raw = app.st && app.st.raw ? app.st.raw[q.p] : undefined;
			if (raw !== undefined) {
				box.append(row(q, f, t('typed_not_accepted', raw), true));
				continue;
			}
			const v = getAt(rv.answers, q.p);
			box.append(row(q, f, v, false));
		}
		const fin = h('button', { type: 'button', class: 'primary', id: 'finalize', disabled: rv.issues.length > 0, onclick: finalize }, t('finalize'));
		main.append(h('div', { class: 'panel stack' },
			h('p', {}, t('finalize_note')),
			h('div', { class: 'row end' },
				h('button', { type: 'button', class: 'secondary', onclick: () => goTo(firstPath()) }, t('back_to_form')),
				h('button', { type: 'button', class: 'secondary', onclick: closeRecord }, t('save_close')),
				fin)));
		function row(q, f, v, isText) {
			const bad = rv.issues.some(x => x.p === q.p);
			const val = isText ? h('span', { class: 'v empty' }, v) :
				isEmpty(v) ? h('span', { class: 'v empty' }, t('not_answered')) :
				f.type === 'attachment' ? h('span', { class: 'v' },
					/^image\//.test(v.media_type) ? h('img', { src: attUrl(v.id), alt: '' }) : null, v.name || v.id) :
				h('span', { class: 'v' }, readable(f, v));
			return h('button', { type: 'button', class: 'rvrow' + (bad ? ' bad' : ''), dataset: { path: q.p },
				title: t('change'), onclick: () => goTo(q.p) },
				h('span', { class: 'k' }, L(f.label)), val);
		}
	}
	function firstPath() { const q = app.st.q.find(x => !['group', 'repeat', 'note'].includes(app.def.by[x.n].type)); return q ? q.p : ''; }
	function labelOfPath(p) {
		const f = app.def.by[lastName(p)];
		let s = f ? L(f.label) : p;
		const m = [...p.matchAll(/([a-z0-9_]+)\[(\d+)\]/g)];
		if (m.length) s += ' (' + m.map(x => L(app.def.by[x[1]].label) + ' ' + (+x[2] + 1)).join(', ') + ')';
		return s;
	}

	async function finalize() {
		if (!await confirmBox(t('finalize_confirm'), t('finalize'))) return;
		const btn = $('#finalize');
		if (btn) btn.disabled = true;
		try {
			const r = await api('POST', 'r/' + app.st.rid + '/finalize', { digest: app.review.digest });
			for (const u of app.blobs.values()) URL.revokeObjectURL(u);
			app.blobs.clear();
			app.done = { ref: r.short_ref, seq: r.seq, form: app.st.form };
			app.st = null;
			app.review = null;
			app.view = 'done';
			render();
		} catch (e) {
			fail(e);
			if (e.status === 409) await toReview();
			else if (btn) btn.disabled = false;
		}
	}

	async function closeRecord() {
		try {
			await flush();
			await api('POST', 'r/' + app.st.rid + '/close');
			toast(t('draft_kept'));
		} catch (e) { fail(e); }
		await toHome();
	}

	function viewDone() {
		setTitle(t('app_title'));
		const d = app.done;
		$('#main').append(h('div', { class: 'panel done stack' },
			h('h2', {}, t('sealed')),
			h('p', {}, t('slip_text')),
			h('div', { class: 'slip', id: 'slip' }, d.ref),
			h('p', { class: 'muted' }, t('sealed_note', d.seq)),
			h('div', { class: 'row center' },
				h('button', { type: 'button', class: 'primary', onclick: () => newRecord(d.form) }, t('another', formTitle(d.form))),
				h('button', { type: 'button', class: 'secondary', onclick: toHome }, t('home')))));
	}

	/* ---------- start ---------- */

	async function start() {
		const pref = (navigator.language || 'uk').slice(0, 2) === 'en' ? 'en' : 'uk';
		setLang(pref);
		for (const b of document.querySelectorAll('.langs button')) b.addEventListener('click', () => switchLang(b.dataset.lang));
		$('#lock').addEventListener('click', async () => {
			try { await flush(); await api('POST', 'lock'); } catch (e) { /* locked anyway */ }
			showLock();
		});
		$('#close').addEventListener('click', closeRecord);
		$('#prev').addEventListener('click', prev);
		/* The browser's Back: from the review to the form, from the form to the start page
		   (the record stays a draft). Nothing about the record goes into the history. */
		window.addEventListener('popstate', () => {
			if (app.view === 'review') goTo(firstPath());
			else if (app.view === 'form') closeRecord();
		});
		$('#next').addEventListener('click', next);
		$('#toreview').addEventListener('click', async () => { await flush(); toReview(); });
		/* Closed, reloaded or navigated away: what was typed and not yet sent is sent
		   now (keepalive outlives the page) and the draft saved with it. */
		window.addEventListener('pagehide', () => {
			for (const u of app.blobs.values()) URL.revokeObjectURL(u);
			if (!app.st) return;
			const send = (sub, body) => fetch(apiUrl('r/' + app.st.rid + sub), { method: 'POST',
				keepalive: true, cache: 'no-store', credentials: 'same-origin',
				headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).catch(() => {});
			let sent = false;
			for (const it of pending.values()) {
				clearTimeout(it.timer);
				send('/answer', Object.assign({}, it.body, { save: true, release: true }));
				sent = true;
			}
			pending.clear();
			if (!sent) send('/save', { release: true });
		});
		/* Hidden (another tab, the screen off): the same, while the page still runs. */
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'hidden' && app.st && (pending.size || inflight || app.st.dirty)) save();
		});
		try {
			app.status = await api('GET', 'status');
			/* The language fieldkit app was started in (FIELDKIT_LANG, LANGUAGE): the page
			   opens in it; without one, the browser's. The switch stays. */
			if (CHOSEN) setLang(CHOSEN);
			else if (app.status.user_lang) setLang(app.status.user_lang);
		} catch (e) {
			$('#main').replaceChildren(h('p', { class: 'panel' }, e.message));
			return;
		}
		if (app.status.locked) showLock();
		else await toHome();
	}
	start();
})();
