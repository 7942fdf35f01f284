// The console's browser side: renders the state the server pushes (/events) and sends what the person types and
// clicks to the server, which passes it to deckhand as Slack would. Everything shown is escaped: bot text carries
// user input.

const $ = (id) => document.getElementById(id);
const QUICK_REACTIONS = ['eyes', 'white_check_mark', 'rotating_light'];
const EMOJI = {
  eyes: '👀', white_check_mark: '✅', rotating_light: '🚨', fire: '🔥', tada: '🎉', warning: '⚠️', hourglass: '⏳', hourglass_flowing_sand: '⏳', x: '❌',
  heavy_check_mark: '✔️', large_green_circle: '🟢', red_circle: '🔴', black_square_for_stop: '⏹️', arrows_counterclockwise: '🔄', double_vertical_bar: '⏸️', repeat: '🔁', memo: '📝', question: '❓',
};
const SPEEDS = [0, 1, 10, 60, 600, 3600];

let state = { users: [], channels: [], messages: {}, world: undefined };
let me = '';
let channel = '';
let replyTo = '';
let shown = { messages: '', world: '' };

function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function userName(id) {
  return state.users.find((u) => u.id === id)?.name ?? id;
}

function emoji(name) {
  return EMOJI[name] ?? `:${name}:`;
}

/** Slack mrkdwn: `<…>` tokens (mentions, links, dates), then emphasis, code and emoji in the escaped text. */
function mrkdwn(raw) {
  const decode = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const parts = String(raw ?? '').split(/(<[^<>]+>)/);
  return parts
    .map((part) => {
      const token = /^<([^<>]+)>$/.exec(part)?.[1];
      if (token === undefined) return inline(escapeHtml(decode(part)));
      const [target, label] = token.split('|');
      if (target.startsWith('@')) return `<span class="mention">@${escapeHtml(userName(target.slice(1)))}</span>`;
      if (target.startsWith('#')) return `<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`;
      if (target.startsWith('!date')) return escapeHtml(decode(label ?? ''));
      if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
      if (/^https?:\/\//.test(target)) return `<a href="${escapeHtml(decode(target))}" target="_blank" rel="noopener">${escapeHtml(decode(label ?? target))}</a>`;
      return escapeHtml(decode(part));
    })
    .join('');
}

/** Emphasis on already-escaped text (escaping adds none of * _ ~ `). */
function inline(html) {
  return html
    .replace(/```([\s\S]+?)```/g, (_, code) => `<pre>${code}</pre>`)
    .replace(/`([^`\n]+)`/g, (_, code) => `<code>${code}</code>`)
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>')
    .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>')
    .replace(/(^|[\s(])~([^~\n]+)~/g, '$1<s>$2</s>')
    .replace(/:([a-z0-9_+-]+):/g, (whole, name) => (EMOJI[name] ? EMOJI[name] : whole))
    .replace(/\n/g, '<br>');
}

function textObject(t) {
  if (!t) return '';
  return t.type === 'mrkdwn' ? mrkdwn(t.text) : inline(escapeHtml(t.text));
}

function button(element, message) {
  const style = element.style === 'primary' || element.style === 'danger' ? ` class="${element.style}"` : '';
  const data = escapeHtml(JSON.stringify({ actionId: element.action_id, value: element.value ?? '', blockId: element.block_id, messageTs: message.ts, confirm: element.confirm }));
  return `<button type="button"${style} data-action="${data}">${escapeHtml(element.text?.text ?? '')}</button>`;
}

/** Block Kit as Slack's client lays it out; unknown blocks fall back to the message text. */
function blocks(message) {
  if (!message.blocks?.length) return `<div>${mrkdwn(message.text)}</div>`;
  return message.blocks
    .map((block) => {
      switch (block.type) {
        case 'header':
          return `<div class="block-header">${textObject(block.text)}</div>`;
        case 'section': {
          const accessory = block.accessory?.type === 'button' ? `<span class="accessory">${button({ ...block.accessory, block_id: block.block_id }, message)}</span>` : block.accessory?.type === 'image' ? `<img src="${escapeHtml(block.accessory.image_url)}" alt="${escapeHtml(block.accessory.alt_text)}" height="48">` : '';
          const fields = block.fields?.length ? `<div class="fields">${block.fields.map((f) => `<div>${textObject(f)}</div>`).join('')}</div>` : '';
          return `<div class="section">${textObject(block.text)}${accessory}${fields}</div>`;
        }
        case 'context':
          return `<div class="context">${(block.elements ?? []).map((e) => (e.type === 'image' ? `<img src="${escapeHtml(e.image_url)}" alt="${escapeHtml(e.alt_text)}">` : textObject(e))).join(' ')}</div>`;
        case 'divider':
          return '<hr>';
        case 'image':
          return `<figure class="block-image">${block.title ? `<figcaption>${textObject(block.title)}</figcaption>` : ''}<img src="${escapeHtml(block.image_url)}" alt="${escapeHtml(block.alt_text)}"></figure>`;
        case 'actions':
          return `<div class="actions">${(block.elements ?? []).filter((e) => e.type === 'button').map((e) => button({ ...e, block_id: block.block_id }, message)).join('')}</div>`;
        default:
          return `<div>${mrkdwn(message.text)}</div>`;
      }
    })
    .join('');
}

function time(ts) {
  return new Date(Number(ts.split('.')[0]) * 1000).toISOString().slice(11, 16);
}

function renderMessage(message, replies) {
  const classes = ['message', message.ephemeralTo ? 'ephemeral' : '', message.pinned ? 'pinned' : ''].join(' ');
  const reactions = Object.entries(message.reactions ?? {})
    .map(([name, users]) => `<button type="button" class="${users.includes(me) ? 'mine' : ''}" data-react="${escapeHtml(name)}" data-ts="${escapeHtml(message.ts)}" aria-label="${escapeHtml(name)} ${users.length}">${emoji(name)} ${users.length}</button>`)
    .join('');
  const files = (message.files ?? []).map((f) => `<button type="button" class="file" data-file="${escapeHtml(f.id)}" data-title="${escapeHtml(f.title)}" data-name="${escapeHtml(f.name)}">📄 ${escapeHtml(f.title)} <span class="meta">(${f.lines} lines)</span></button>`).join('');
  const attachments = (message.attachments ?? []).map((a) => `<div class="context">${mrkdwn(a.pretext ?? '')} <b>${escapeHtml(a.title ?? '')}</b> ${mrkdwn(a.text ?? a.fallback ?? '')}</div>`).join('');
  const tools = message.ephemeralTo
    ? ''
    : `<div class="tools">${QUICK_REACTIONS.map((name) => `<button type="button" data-react="${name}" data-ts="${escapeHtml(message.ts)}" aria-label="React ${name}">${emoji(name)}</button>`).join('')}<button type="button" data-pin="${message.pinned ? 'off' : 'on'}" data-ts="${escapeHtml(message.ts)}">${message.pinned ? 'Unpin' : 'Pin'}</button>${message.threadTs ? '' : `<button type="button" data-reply="${escapeHtml(message.ts)}">Reply</button>`}</div>`;
  return `<article class="${classes}" data-ts="${escapeHtml(message.ts)}">
    <div><span class="author">${escapeHtml(message.user)}</span>${message.bot ? '<span class="app-tag">APP</span>' : ''}<span class="meta">${time(message.ts)}${message.edited ? ' (edited)' : ''}${message.pinned ? ' · 📌 pinned' : ''}${message.ephemeralTo ? ' · Only visible to you' : ''}</span></div>
    ${blocks(message)}${attachments}${files}<div class="reactions">${reactions}</div>${tools}
    ${replies.length ? `<div class="replies" aria-label="Thread">${replies.map((r) => renderMessage(r, [])).join('')}</div>` : ''}
  </article>`;
}

function visibleMessages() {
  return (state.messages[channel] ?? []).filter((m) => !m.ephemeralTo || m.ephemeralTo === me);
}

function renderMessages() {
  const list = visibleMessages();
  const key = JSON.stringify([me, channel, list]);
  if (key === shown.messages) return;
  shown.messages = key;
  const pane = $('messages');
  const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
  const replies = new Map();
  for (const m of list) if (m.threadTs) replies.set(m.threadTs, [...(replies.get(m.threadTs) ?? []), m]);
  const known = new Set(list.map((m) => m.ts));
  // A reply whose parent is not visible (an ephemeral one of someone else's) shows at the top level.
  pane.innerHTML = list.filter((m) => !m.threadTs || !known.has(m.threadTs)).map((m) => renderMessage(m, replies.get(m.ts) ?? [])).join('');
  if (atBottom) pane.scrollTop = pane.scrollHeight;
}

function renderSidebar() {
  const select = $('user');
  if (select.options.length !== state.users.length) {
    select.innerHTML = state.users.map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name)}</option>`).join('');
    me ||= state.users[0]?.id ?? '';
  }
  select.value = me;
  $('user-note').textContent = state.users.find((u) => u.id === me)?.note ?? '';
  channel ||= state.channels[0]?.id ?? '';
  $('channels').innerHTML = state.channels
    .map((c) => `<li><button type="button" data-channel="${escapeHtml(c.id)}" aria-current="${c.id === channel}">${c.private ? '🔒 ' : '# '}${escapeHtml(c.name)}</button></li>`)
    .join('');
  const current = state.channels.find((c) => c.id === channel);
  $('channel-name').textContent = current ? `${current.private ? '🔒 ' : '#'}${current.name}` : '';
  // Slack shows a channel's canvas as a tab in the channel header.
  const canvas = state.canvases?.[channel];
  $('canvas').hidden = !canvas;
  $('canvas').textContent = canvas ? `📝 Canvas: ${canvas.title}` : '';
}

function renderWorld() {
  const world = state.world;
  const key = JSON.stringify(world);
  if (!world || key === shown.world) return;
  shown.world = key;
  const table = (head, rows) => `<table><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</table>`;
  const zones = [...new Set(world.nodes.map((n) => n.zone))];
  $('world').innerHTML = `
    <h3>Clock</h3>
    <div id="clock">${escapeHtml(new Date(world.clock.now).toISOString().replace('T', ' ').slice(0, 19))} UTC</div>
    <label>Speed <select id="speed" aria-label="Clock speed">${SPEEDS.map((s) => `<option value="${s}" ${s === world.clock.speed ? 'selected' : ''}>${s === 0 ? 'stopped' : `${s}×`}</option>`).join('')}${SPEEDS.includes(world.clock.speed) ? '' : `<option selected>${escapeHtml(world.clock.speed)}×</option>`}</select></label>
    <h3>Auto Scaling groups</h3>
    ${table(['group', 'desired', 'template version'], world.groups.map((g) => [g.name, g.desired, g.launchTemplateVersion]))}
    <h3>Nodes</h3>
    <div id="nodes">${zones
      .map((zone) => `<div class="az">${escapeHtml(zone)}</div>${world.nodes
        .filter((n) => n.zone === zone)
        .map((n) => `<div class="node ${n.outdated ? 'old' : 'new'} ${n.ready ? '' : 'notready'}" data-group="${escapeHtml(n.group)}" data-template-version="${escapeHtml(n.launchTemplateVersion)}">${escapeHtml(n.name)} · ${escapeHtml(n.group)} v${escapeHtml(n.launchTemplateVersion)}${n.outdated ? ' (outdated)' : ''} · ${n.pods} pods${n.ready ? '' : ' · NotReady'}${n.unschedulable ? ' · cordoned' : ''}</div>`)
        .join('')}`)
      .join('')}</div>
    <h3>PodDisruptionBudgets</h3>
    ${table(['pdb', 'allowed', 'healthy/desired'], world.pdbs.map((p) => [p.name, p.allowed, `${p.healthy}/${p.desired}`]))}
    <h3>Redis</h3>
    ${table(['pod', 'role'], world.redis.map((r) => [r.pod, r.role]))}
    <h3>Reverse zones</h3>
    ${table(['zone', 'live', 'stale'], world.reverseZones.map((z) => [z.name, z.live, z.stale]))}
    <h3>PersistentVolumeClaims</h3>
    ${table(['claim', 'requested', 'capacity', 'volume'], world.pvcs.map((p) => [p.name, p.requested, p.capacity, p.volumeId]))}
    <h3>EBS volumes</h3>
    ${table(['volume', 'size', 'type', 'modification'], world.volumes.map((v) => [v.id, `${v.sizeGiB} GiB`, v.type, v.modification]))}`;
}

function render() {
  renderSidebar();
  renderMessages();
  renderWorld();
}

async function post(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  if (answer.status !== undefined && answer.status !== 200) throw new Error(`deckhand did not respond in time (HTTP ${answer.status})`);
  return answer;
}

function showError(error) {
  $('composer-error').textContent = error ? String(error.message ?? error) : '';
}

/** Slack's confirmation dialog for a button with `confirm`: resolves true when the person confirms. */
function confirmed(confirm) {
  if (!confirm) return Promise.resolve(true);
  const dialog = $('confirm');
  $('confirm-title').textContent = confirm.title?.text ?? 'Are you sure?';
  $('confirm-text').innerHTML = textObject(confirm.text);
  $('confirm-ok').textContent = confirm.confirm?.text ?? 'Yes';
  $('confirm-ok').className = confirm.style === 'danger' ? 'danger' : 'primary';
  $('confirm-deny').textContent = confirm.deny?.text ?? 'Cancel';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else if (c !== '\r') field += c;
  }
  if (field || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

/** Markdown as the postmortem and cost reports use it: headings, lists, tables, code blocks, paragraphs. */
function markdown(text) {
  const out = [];
  const lines = text.split('\n');
  const md = (s) => escapeHtml(s).replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>').replace(/`([^`]+)`/g, '<code>$1</code>').replace(/(^|\s)_([^_]+)_/g, '$1<i>$2</i>');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('```')) {
      const code = [];
      while (++i < lines.length && !lines[i].startsWith('```')) code.push(lines[i]);
      out.push(`<pre>${escapeHtml(code.join('\n'))}</pre>`);
    } else if (/^#{1,6} /.test(line)) {
      const level = line.indexOf(' ');
      out.push(`<h${level + 1}>${md(line.slice(level + 1))}</h${level + 1}>`);
    } else if (/^\s*[-*] /.test(line)) {
      const items = [];
      for (; i < lines.length && /^\s*[-*] /.test(lines[i]); i++) items.push(`<li>${md(lines[i].replace(/^\s*[-*] /, ''))}</li>`);
      i--;
      out.push(`<ul>${items.join('')}</ul>`);
    } else if (line.startsWith('|')) {
      const rows = [];
      for (; i < lines.length && lines[i].startsWith('|'); i++) if (!/^\|[\s:|-]+\|$/.test(lines[i])) rows.push(lines[i].replace(/^\||\|$/g, '').split('|'));
      i--;
      out.push(`<table>${rows.map((r, n) => `<tr>${r.map((c) => (n === 0 ? `<th>${md(c.trim())}</th>` : `<td>${md(c.trim())}</td>`)).join('')}</tr>`).join('')}</table>`);
    } else if (line.trim()) out.push(`<p>${md(line)}</p>`);
  }
  return out.join('');
}

/** format: csv, markdown or text. */
function showDocument(title, text, format) {
  $('file-title').textContent = title;
  $('file-body').innerHTML = format === 'csv'
    ? `<table>${parseCsv(text).map((r, n) => `<tr>${r.map((c) => (n === 0 ? `<th>${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`).join('')}</table>`
    : format === 'markdown'
      ? markdown(text)
      : `<pre>${escapeHtml(text)}</pre>`;
  $('file-view').showModal();
}

async function openFile(id, title, name) {
  const response = await fetch(`/api/file?id=${encodeURIComponent(id)}`);
  showDocument(title, await response.text(), /\.csv$/i.test(name) ? 'csv' : /\.(md|markdown)$/i.test(name) ? 'markdown' : 'text');
}

document.addEventListener('click', (event) => {
  const target = event.target.closest('button');
  if (!target) return;
  const run = (promise) => promise.then(() => showError(undefined), showError);
  if (target.dataset.channel) {
    channel = target.dataset.channel;
    replyTo = '';
    $('replying').hidden = true;
    render();
  } else if (target.dataset.action) {
    const action = JSON.parse(target.dataset.action);
    run(confirmed(action.confirm).then((ok) => ok && post('/api/click', { user: me, channel, messageTs: action.messageTs, actionId: action.actionId, value: action.value, ...(action.blockId ? { blockId: action.blockId } : {}) })));
  } else if (target.dataset.react) {
    run(post('/api/react', { user: me, channel, ts: target.dataset.ts, name: target.dataset.react }));
  } else if (target.dataset.pin) {
    run(post('/api/pin', { channel, ts: target.dataset.ts, pinned: target.dataset.pin === 'on' }));
  } else if (target.dataset.reply) {
    replyTo = target.dataset.reply;
    $('replying').hidden = false;
    $('message-box').focus();
  } else if (target.dataset.file) {
    run(openFile(target.dataset.file, target.dataset.title, target.dataset.name));
  } else if (target.id === 'canvas') {
    const canvas = state.canvases[channel];
    showDocument(canvas.title, canvas.markdown, 'markdown');
  } else if (target.id === 'stop-reply') {
    replyTo = '';
    $('replying').hidden = true;
  }
});

$('user').addEventListener('change', (event) => {
  me = event.target.value;
  render();
});

$('world').addEventListener('change', (event) => {
  if (event.target.id === 'speed') post('/api/clock', { speed: Number(event.target.value) }).then(() => showError(undefined), showError);
});

$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const box = $('message-box');
  const text = box.value.trim();
  if (!text) return;
  box.value = '';
  post('/api/send', { user: me, channel, text, ...(replyTo && !text.startsWith('/') ? { threadTs: replyTo } : {}) }).then(() => showError(undefined), showError);
});

$('message-box').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('composer').requestSubmit();
  }
});

new EventSource('/events').addEventListener('state', (event) => {
  state = JSON.parse(event.data);
  render();
});
