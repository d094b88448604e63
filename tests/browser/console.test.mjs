// tests/browser/console.test.mjs: the operator console end to end. Starts the
// real lwm2md (HTTP and CoAP on free loopback ports, the console from the
// build tree's stage/web) and the real lwm2m-client, then drives headless
// Chromium through the pages an operator uses: log in, find the device, read,
// write, execute, observe a live value, chart it, see the fleet's counts by
// status (online, asleep, offline) and filter the list by status and by the
// firmware version a Read brought, log out. Screenshots of
// each page go to ARTIFACTS. Exit status 0 when every step passed.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const B = process.env.LW_BUILDDIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ART = process.env.ARTIFACTS || path.join(B, 'tests/browser/artifacts');
const TOKEN = `t${Math.random().toString(16).slice(2)}${Date.now()}`;
const started = Date.now();
const procs = [];
let tmp;

function log(msg) {
	console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}

function freeTcp() {
	return new Promise((res, rej) => {
		const s = net.createServer().listen(0, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => res(p));
		}).on('error', rej);
	});
}

function freeUdp() {
	return new Promise((res) => {
		const s = dgram.createSocket('udp4');
		s.bind(0, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => res(p));
		});
	});
}

function run(name, bin, args) {
	const out = fs.openSync(path.join(tmp, `${name}.log`), 'w');
	const p = spawn(bin, args, { stdio: ['ignore', out, out] });
	p.on('exit', (code, sig) => { p.exited = { code, sig }; });
	procs.push(p);
	return p;
}

async function until(what, f, ms = 10000) {
	const end = Date.now() + ms;
	let last;
	while (Date.now() < end) {
		try {
			const v = await f();
			if (v)
				return v;
		} catch (e) { last = e; }
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function check(cond, msg) {
	if (!cond)
		throw new Error(`check failed: ${msg}`);
	log(`ok: ${msg}`);
}

async function main() {
	tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lwm2md-browser-'));
	fs.mkdirSync(ART, { recursive: true });
	const http = await freeTcp();
	const coap = await freeUdp();
	const web = path.join(B, 'stage/web');
	check(fs.existsSync(path.join(web, 'index.html')) && fs.existsSync(path.join(web, 'uPlot.esm.js')),
		'the console is staged in stage/web');
	fs.writeFileSync(path.join(tmp, 'lwm2md.conf'), `[server]
state_dir = ${tmp}/state
plugin_dir = ${B}/stage/plugins
[coap]
bind = 127.0.0.1
port = ${coap}
queue_awake = 2
[coaps]
port = 0
[bootstrap]
port = 0
secure_port = 0
[coap_tcp]
port = 0
[coaps_tcp]
port = 0
[http]
bind = 127.0.0.1
port = ${http}
admin_token = ${TOKEN}
web_root = ${web}
[storage]
plugin = sqlite
`);
	const daemon = run('lwm2md', path.join(B, 'lwm2md'), ['-f', '-c', path.join(tmp, 'lwm2md.conf')]);
	const base = `http://127.0.0.1:${http}`;
	const apiGet = (p) => fetch(base + '/api/v1' + p, { headers: { Authorization: `Bearer ${TOKEN}` } });
	await until('the daemon to answer', async () => {
		if (daemon.exited)
			throw new Error(`lwm2md exited ${JSON.stringify(daemon.exited)}`);
		return (await fetch(`${base}/api/v1/health`)).ok;
	});
	run('client', path.join(B, 'lwm2m-client'), ['-u', `coap://127.0.0.1:${coap}`, '-n', 'dev1', '-l', '300']);
	await until('dev1 to register', async () => (await apiGet('/clients/dev1')).ok);
	const loginExists = (await fetch(`${base}/api/v1/login`, { method: 'POST', body: '{"name":"x","password":"y"}' })).status !== 404;
	log(`daemon on ${base}, dev1 registered; login route ${loginExists ? 'present' : 'absent'}`);

	const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
	const errors = [];
	try {
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const page = await ctx.newPage();
		page.setDefaultTimeout(8000);
		page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
		page.on('response', (r) => {
			// Expected: the wrong password and token, and the wrong old
			// password of a change.
			if (r.status() >= 400 && !(r.status() === 401 && /\/api\/v1\/(login|clients\?limit=1)$/.test(r.url()))
				&& !(r.status() === 403 && /\/api\/v1\/users\/pat\/password$/.test(r.url())))
				errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
		});
		page.on('console', (m) => {
			// 401 on the wrong password is expected; a CSP violation or a
			// script error is not.
			if (m.type() === 'error' && !/401|403|404/.test(m.text()))
				errors.push(`console: ${m.text()}`);
		});
		const shot = (name) => page.screenshot({ path: path.join(ART, `${name}.png`), fullPage: true });

		// Login: a wrong password is refused (or, without logins, the
		// page says so), then the admin token gets in.
		await page.goto(base + '/');
		await page.waitForSelector('#login-form');
		await page.fill('#login-name', 'admin');
		await page.fill('#login-password', 'wrong-password');
		await page.click('#login-submit');
		const msg = await until('the login answer', async () => (await page.textContent('#login-msg')).trim());
		check(loginExists ? /wrong/i.test(msg) : /no user logins/i.test(msg), `login refused: "${msg}"`);
		check(!(await page.evaluate(() => sessionStorage.getItem('lwm2md.token'))), 'no token kept after a refused login');
		await shot('01-login');
		await page.fill('#login-token', 'not-the-token');
		await page.click('#token-submit');
		await until('the bad token message', async () => /not valid/.test(await page.textContent('#login-msg')));
		check(true, 'a wrong token is refused');
		// The daemon makes the user "admin" at first start and logs its
		// password once: a real login when that exists, else the token.
		const pw = (fs.readFileSync(path.join(tmp, 'lwm2md.log'), 'utf8').match(/user "admin" with password: (\S+)/) || [])[1];
		if (loginExists && pw) {
			await page.fill('#login-name', 'admin');
			await page.fill('#login-password', pw);
			await page.click('#login-submit');
			await page.waitForSelector('[data-ready="#/fleet"]');
			check((await page.textContent('#who')).includes('admin'), 'logged in as admin with the password');
		} else {
			await page.fill('#login-token', TOKEN);
			await page.click('#token-submit');
		}

		// Fleet overview
		await page.waitForSelector('[data-ready="#/fleet"]');
		await until('the fleet counts', async () => (await page.textContent('#n-registered')) === '1');
		check(true, 'fleet shows 1 registered');
		check((await page.textContent('#n-online')) === '1', 'fleet shows 1 online');
		await shot('02-fleet');

		// Device list
		await page.click('#nav a[href="#/devices"]');
		await page.waitForSelector('#dev-rows a');
		check((await page.textContent('#dev-rows')).includes('dev1'), 'dev1 is in the device list');
		check((await page.textContent('#dev-info')).includes('of 1'), 'the pager counts 1 device');
		await page.fill('#dev-search', 'nomatch');
		await until('the filtered list', async () => (await page.textContent('#dev-info')) === 'no devices');
		await page.fill('#dev-search', 'dev');
		await page.waitForSelector('#dev-rows a');
		await shot('03-devices');

		// Device page: Read /3/0
		await page.click('#dev-rows a');
		await page.waitForSelector('[data-ready="#/device/dev1"]');
		await page.click('#read-_3_0');
		await until('manufacturer', async () => (await page.textContent('#val-_3_0_0')) === 'lwm2md');
		check(true, 'Read /3/0 shows the manufacturer "lwm2md"');
		await until('the firmware version', async () => (await page.textContent('#reg-firmwareVersion')) === '1.0.0');
		check((await (await apiGet('/clients/dev1')).json()).firmwareVersion === '1.0.0',
			'the server keeps the firmware version /3/0/3 of the Read');

		// Write /1/0/1 (lifetime) and read it back
		await page.$eval('#obj-1', (d) => { d.open = true; });
		await page.fill('#in-_1_0_1', '120');
		await page.click('#write-_1_0_1');
		await until('the written lifetime', async () => (await page.textContent('#val-_1_0_1')) === '120');
		check(true, 'Write /1/0/1 = 120 reads back 120');

		// Execute /1/0/8 (registration update trigger)
		await page.click('#exec-_1_0_8');
		await until('the execute result', async () => /^Execute \/1\/0\/8: /.test(await page.textContent('#op-result')));
		check(!/failed/.test(await page.textContent('#op-result')), 'Execute /1/0/8 succeeded');

		// Observe /3303/0/5700 and see the value change live
		await page.click('#observe-_3303_0_5700');
		await until('the observation', async () => (await page.textContent('#observe-_3303_0_5700')) === 'Cancel');
		const first = await until('a first value', async () => (await page.textContent('#val-_3303_0_5700')) || null);
		const second = await until('a live change', async () => {
			const v = await page.textContent('#val-_3303_0_5700');
			return v && v !== first ? v : null;
		}, 15000);
		check(Number.isFinite(Number(first)) && Number.isFinite(Number(second)),
			`the temperature changed live: ${first} -> ${second}`);

		// Chart of it: points from the store, more from notifications
		await page.click('#chart-_3303_0_5700');
		await page.waitForSelector('#chart canvas');
		const n0 = Number(await until('chart points', async () => Number(await page.getAttribute('#chart', 'data-points')) > 0 && await page.getAttribute('#chart', 'data-points')));
		await until('a new chart point', async () => Number(await page.getAttribute('#chart', 'data-points')) > n0, 15000);
		check(true, `the chart has points (${n0}, then more live)`);
		await shot('04-device');
		await page.click('#observe-_3303_0_5700');
		await until('the cancel', async () => (await page.textContent('#observe-_3303_0_5700')) === 'Observe');
		check(true, 'the observation is cancelled');

		// Event log
		await page.click('#nav a[href="#/events"]');
		await page.waitForSelector('#ev-rows tr');
		check((await page.textContent('#ev-rows')).includes('notification'), 'the event log shows notifications');
		await shot('05-events');

		// Fleet status: a queue-mode client falls asleep (queue_awake 2 s),
		// one that de-registers is offline; the overview counts them and the
		// list filters by status and by firmware version.
		const cl = (n, extra) => run(n, path.join(B, 'lwm2m-client'), ['-u', `coap://127.0.0.1:${coap}`, '-n', n, ...extra]);
		cl('sleepy', ['-q']);
		const leaver = cl('leaver', []);
		for (const n of ['sleepy', 'leaver'])
			await until(`${n} to register`, async () => (await apiGet(`/clients/${n}`)).ok);
		leaver.kill('SIGTERM');
		await until('leaver to de-register', async () => (await apiGet('/clients/leaver')).status === 404);
		await until('sleepy to fall asleep', async () => (await (await apiGet('/clients/sleepy')).json()).status === 'asleep');
		await page.click('#nav a[href="#/fleet"]');
		await page.waitForSelector('[data-ready="#/fleet"]');
		const counts = async () => Promise.all(['registered', 'online', 'asleep', 'offline'].map((k) => page.textContent(`#n-${k}`)));
		await until('the counts by status', async () => (await counts()).join() === '2,1,1,1');
		check(true, 'the fleet shows 2 registered: 1 online, 1 asleep, and 1 offline');
		await shot('05a-fleet-status');
		await page.click('#nav a[href="#/devices"]');
		await page.waitForSelector('#dev-rows a');
		await page.fill('#dev-search', ''); // kept from the steps above
		await page.fill('#dev-firmware', '1.0.0');
		await until('the firmware filter', async () => (await page.getAttribute('#dev-rows', 'data-query') || '').includes('firmware=1.0.0')
			&& (await page.textContent('#dev-info')).includes('of 1'));
		check((await page.textContent('#dev-rows')).includes('dev1') && (await page.textContent('#dev-rows td.fw')) === '1.0.0',
			'the firmware filter finds dev1 and its column shows 1.0.0');
		await shot('05b-devices-firmware');
		await page.fill('#dev-firmware', '9.9.9');
		await until('no device of 9.9.9', async () => (await page.textContent('#dev-info')) === 'no devices');
		await page.fill('#dev-firmware', '');
		for (const [st, ep] of [['asleep', 'sleepy'], ['offline', 'leaver'], ['online', 'dev1']]) {
			await page.selectOption('#dev-status', st);
			await until(`the ${st} devices`, async () => (await page.getAttribute('#dev-rows', 'data-query') || '').includes(`status=${st}`)
				&& (await page.textContent('#dev-info')).includes('of 1'));
			check((await page.textContent('#dev-rows')).includes(ep) && (await page.textContent(`#dev-rows td.${st}`)) === st,
				`the ${st} filter shows ${ep}`);
			if (st === 'offline')
				await shot('05c-devices-offline');
		}
		await page.selectOption('#dev-status', '');
		await until('every registered device', async () => (await page.textContent('#dev-info')).includes('of 2'));

		// Security: add a PSK credential, see it, delete it
		await page.click('#nav a[href="#/security"]');
		await page.waitForSelector('[data-ready="#/security"]');
		await page.fill('#sec-ep', 'dev-psk');
		await page.fill('#sec-identity', 'dev-psk-id');
		await page.fill('#sec-key', '000102030405060708090a0b0c0d0e0f');
		await page.click('#sec-submit');
		await until('the credential in the list', async () => (await page.textContent('#sec-rows')).includes('dev-psk-id'));
		check(true, 'a PSK credential was added through the console');
		check(!(await page.textContent('#sec-rows')).includes('000102030405060708090a0b0c0d0e0f'), 'the key is not shown in full');
		await shot('06-security');
		page.once('dialog', (d) => d.accept());
		await page.click('#sec-rows button.danger');
		await until('the credential gone', async () => !(await page.textContent('#sec-rows')).includes('dev-psk'));
		check(true, 'the credential was deleted');

		// Bootstrap page
		await page.click('#nav a[href="#/bootstrap"]');
		await page.waitForSelector('[data-ready="#/bootstrap"]');
		await shot('07-bootstrap');

		// Users (admins): add one, reset its password, delete another.
		if (loginExists && pw) {
			check(await page.isVisible('#nav-users'), 'an admin sees the Users page in the menu');
			await page.click('#nav-users');
			await page.waitForSelector('[data-ready="#/users"]');
			for (const [n, r] of [['pat', 'operator'], ['gone', 'viewer']]) {
				await page.fill('#user-name', n);
				await page.fill('#user-password', `${n}-first-password`);
				await page.selectOption('#user-role', r);
				await page.click('#user-submit');
				await page.waitForSelector(`#user-rows tr[data-user="${n}"]`);
			}
			check((await page.textContent('#user-rows tr[data-user="pat"]')).includes('operator'), 'the Users page added pat (operator)');
			await page.click('#user-rows tr[data-user="pat"] button.reset');
			await page.fill('#reset-pat-new', 'pat-reset-password');
			await page.fill('#reset-pat-again', 'pat-reset-password');
			await page.click('#reset-pat-submit');
			await until('the reset message', async () => /reset/.test(await page.textContent('#reset-pat-msg')));
			check(true, 'an admin reset the password of pat');
			await shot('08-users');
			page.once('dialog', (d) => d.accept());
			await page.click('#user-rows tr[data-user="gone"] button.danger');
			await until('the user gone', async () => !(await page.$('#user-rows tr[data-user="gone"]')));
			check(true, 'an admin deleted a user');
			const gone = await fetch(`${base}/api/v1/login`, { method: 'POST', body: JSON.stringify({ name: 'pat', password: 'pat-first-password' }) });
			check(gone.status === 401, 'the old password of pat no longer logs in');
		}

		// Log out
		const sessionToken = await page.evaluate(() => sessionStorage.getItem('lwm2md.token'));
		await page.click('#logout');
		await page.waitForSelector('#login-form');
		check(!(await page.evaluate(() => sessionStorage.getItem('lwm2md.token'))), 'logged out: no token kept');
		if (loginExists && pw) {
			const me = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${sessionToken}` } });
			check(me.status === 401, 'logging out ended the session (its token gets 401)');
			// and the API token path of the login page
			await page.fill('#login-token', TOKEN);
			await page.click('#token-submit');
			await page.waitForSelector('[data-ready="#/fleet"]');
			check((await page.textContent('#who')).includes('API token'), 'logged in with the API token');
			await page.click('#logout');
			await page.waitForSelector('#login-form');

			// A viewer sees values but no controls that change anything.
			const mk = await fetch(`${base}/api/v1/users`, { method: 'POST',
				headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
				body: JSON.stringify({ name: 'watcher', password: 'watcher-password-1', role: 'viewer' }) });
			check(mk.ok, `a viewer user was made (${mk.status})`);
			await page.fill('#login-name', 'watcher');
			await page.fill('#login-password', 'watcher-password-1');
			await page.click('#login-submit');
			await page.waitForSelector('[data-ready="#/fleet"]');
			await page.goto(`${base}/#/device/dev1`);
			await page.waitForSelector('[data-ready="#/device/dev1"]');
			await page.click('#read-_3_0');
			await until('manufacturer as viewer', async () => (await page.textContent('#val-_3_0_0')) === 'lwm2md');
			check(!(await page.isVisible('#write-_1_0_1')) && !(await page.isVisible('#exec-_1_0_8')),
				'a viewer reads /3/0 but sees no Write or Execute');
			check(!(await page.isVisible('#nav-users')), 'a viewer has no Users page in the menu');
			await shot('09-device-viewer');
			await page.click('#logout');
			await page.waitForSelector('#login-form');

			// pat changes its own password from the account page; its
			// other session ends, the one it used stays.
			const other = await (await fetch(`${base}/api/v1/login`, { method: 'POST',
				body: JSON.stringify({ name: 'pat', password: 'pat-reset-password' }) })).json();
			await page.fill('#login-name', 'pat');
			await page.fill('#login-password', 'pat-reset-password');
			await page.click('#login-submit');
			await page.waitForSelector('[data-ready="#/fleet"]');
			await page.click('#who');
			await page.waitForSelector('[data-ready="#/account"]');
			check((await page.textContent('#me-name')) === 'pat', 'the account page shows pat');
			await page.fill('#pw-old', 'not-my-password');
			await page.fill('#pw-new', 'pat-own-password');
			await page.fill('#pw-again', 'pat-own-password');
			await page.click('#pw-submit');
			await until('the refusal', async () => /wrong/.test(await page.textContent('#pw-msg')));
			check(true, 'a wrong current password is refused');
			await page.fill('#pw-old', 'pat-reset-password');
			await page.fill('#pw-new', 'pat-own-password');
			await page.fill('#pw-again', 'pat-own-password2');
			await page.click('#pw-submit');
			await until('the mismatch', async () => /differ/.test(await page.textContent('#pw-msg')));
			await page.fill('#pw-again', 'pat-own-password');
			await page.click('#pw-submit');
			await until('the change', async () => /changed/.test(await page.textContent('#pw-msg')));
			await shot('10-account');
			const meOther = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${other.token}` } });
			check(meOther.status === 401, 'the change ended the other session of pat');
			await page.click('#nav a[href="#/devices"]');
			await page.waitForSelector('#dev-rows a');
			check(true, 'the session that changed it goes on');
			await page.click('#logout');
			await page.waitForSelector('#login-form');
			await page.fill('#login-name', 'pat');
			await page.fill('#login-password', 'pat-own-password');
			await page.click('#login-submit');
			await page.waitForSelector('[data-ready="#/fleet"]');
			check(true, 'pat logs in with the new password');
			await page.click('#logout');
			await page.waitForSelector('#login-form');
		}
		check(errors.length === 0, `no script errors or CSP violations${errors.length ? `: ${errors.join('; ')}` : ''}`);
	} catch (e) {
		const pages = browser.contexts().flatMap((c) => c.pages());
		if (pages.length)
			await pages[0].screenshot({ path: path.join(ART, 'failure.png'), fullPage: true }).catch(() => {});
		if (errors.length)
			e.message += ` (page errors: ${errors.join('; ')})`;
		throw e;
	} finally {
		await browser.close();
	}
}

let status = 0;
try {
	await main();
	log('PASS');
} catch (e) {
	status = 1;
	console.error(`FAIL: ${e.message}`);
	for (const f of ['lwm2md.log', 'client.log'])
		if (tmp && fs.existsSync(path.join(tmp, f)))
			console.error(`---- ${f} (tail)\n${fs.readFileSync(path.join(tmp, f), 'utf8').split('\n').slice(-25).join('\n')}`);
} finally {
	for (const p of procs.reverse())
		if (!p.exited) {
			p.kill('SIGTERM');
			await new Promise((r) => { const t = setTimeout(() => { p.kill('SIGKILL'); r(); }, 3000); p.on('exit', () => { clearTimeout(t); r(); }); });
		}
	const d = procs.find((p) => p.spawnargs[0].endsWith('lwm2md'));
	if (d && d.exited && d.exited.code !== 0 && d.exited.sig !== 'SIGTERM') {
		console.error(`lwm2md exited ${JSON.stringify(d.exited)}`);
		status = 1;
	}
	if (status === 0 && tmp)
		fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(status);
