// twincast operator console. The token comes once in ?token=, is kept in sessionStorage (this
// tab only) and sent as a Bearer header; it is removed from the address bar at once.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const token = params.get('token') || sessionStorage.getItem('twincast.token') || '';
  if (params.get('token')) {
    sessionStorage.setItem('twincast.token', token);
    history.replaceState(null, '', '/console');
  }
  const auth = { Authorization: 'Bearer ' + token };
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  let flashTimer = null;
  function flash(text, bad) {
    const f = $('flash');
    f.textContent = text;
    f.className = 'flash' + (bad ? ' bad' : '');
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { f.textContent = ''; }, 4000);
  }
  async function op(path, body) {
    try {
      const r = await fetch('/api/op/' + path, {
        method: 'POST', headers: Object.assign({ 'Content-Type': 'application/json' }, auth),
        body: JSON.stringify(body || {}),
      });
      const j = await r.json().catch(() => ({}));
      if (!r.ok) flash(path + ': ' + (j.error || r.status), true);
      else flash(path + ': ok');
      return j;
    } catch (e) { flash(path + ': network error', true); return {}; }
  }

  // ---- controls ----------------------------------------------------------------------------------
  let muted = false;
  $('btn-start').onclick = () => op('start');
  $('btn-stop').onclick = () => { if (confirm('Stop the show?')) op('stop'); };
  $('btn-skip').onclick = () => op('skip');
  $('btn-mute').onclick = () => op('mute', { muted: !muted });
  $('btn-camera').onclick = () => op('camera', { camera: $('camera').value });
  $('btn-pin').onclick = () => op('pin', { text: $('pin').value });
  $('btn-unpin').onclick = () => { $('pin').value = ''; op('pin', { text: '' }); };
  $('btn-say').onclick = async () => {
    const j = await op('say', { text: $('say').value, speaker: $('speaker').value });
    if (j.ok) $('say').value = '';
  };
  $('btn-clip').onclick = () => op('clip', { path: $('clip').value });
  $('btn-reorder').onclick = () => op('reorder', { product_ids: Array.from($('order').children, (li) => li.dataset.id) });

  // ---- rundown order: move products up/down, then apply ------------------------------------------------
  let orderDirty = false;
  function renderOrder(products) {
    if (orderDirty) return;
    const ol = $('order');
    ol.replaceChildren();
    for (const p of products) {
      const li = el('li');
      li.dataset.id = p.id;
      const up = el('button', 'small', '▲'), down = el('button', 'small', '▼');
      up.type = down.type = 'button';
      up.onclick = () => { if (li.previousElementSibling) { ol.insertBefore(li, li.previousElementSibling); orderDirty = true; } };
      down.onclick = () => { if (li.nextElementSibling) { ol.insertBefore(li.nextElementSibling, li); orderDirty = true; } };
      li.append(up, down, el('span', null, ' ' + p.id + ' · ' + p.name));
      ol.append(li);
    }
  }
  $('btn-reorder').addEventListener('click', () => { orderDirty = false; });

  // ---- state, polled -----------------------------------------------------------------------------------
  async function refresh() {
    try {
      const r = await fetch('/api/op/state', { headers: auth });
      if (r.status === 401) { $('status').textContent = 'bad token: open /console?token=…'; return; }
      const s = await r.json();
      muted = !!s.on_air.muted;
      $('btn-mute').textContent = muted ? 'Unmute' : 'Mute';
      $('viewers').textContent = s.viewers + ' viewers';
      $('status').textContent = s.on_air.status || '?';
      const table = $('state');
      table.replaceChildren();
      for (const [k, v] of Object.entries(s.on_air)) {
        const tr = el('tr');
        tr.append(el('th', null, k), el('td', null, typeof v === 'object' && v !== null ? JSON.stringify(v) : v));
        table.append(tr);
      }
      renderOrder(s.products);
      renderSources(s.sources || []);
      if (!chatLoaded) { chatLoaded = true; for (const item of s.recent) addItem(item.kind, item.data); }
    } catch (e) { $('status').textContent = 'server unreachable'; }
  }

  // one row per comment source (issue 22): state, comments a minute, last error
  function renderSources(sources) {
    const table = $('sources');
    table.replaceChildren();
    for (const src of sources) {
      const tr = el('tr', src.connected ? 'up' : 'down');
      const err = src.last_error ? ' - ' + (src.last_error_kind || '') + ': ' + src.last_error : '';
      tr.append(el('th', null, src.source),
                el('td', null, src.state + ' · ' + src.per_minute + '/min · ' + src.messages_total + ' total' + err));
      table.append(tr);
    }
  }

  // ---- live chat with decisions --------------------------------------------------------------------------
  let chatLoaded = false;
  function addItem(kind, d) {
    const chat = $('chat');
    const li = el('li', 'msg ' + kind);
    if (kind === 'comment') {
      li.append(el('span', 'user', d.user), el('span', 'text', d.text),
                el('span', 'badge ' + (d.action || ''), d.action + (d.reason ? ' · ' + d.reason : '')));
      if (d.intent) li.append(el('span', 'badge intent', d.intent));
    } else if (kind === 'say') {
      li.append(el('span', 'user', (d.speaker === 'assistant' ? '助播' : '主播') + (d.kind ? ' [' + d.kind + ']' : '')),
                el('span', 'text', d.text));
    } else if (kind === 'voice') {  // a remote voice failed or was late: the local voice said the line
      li.append(el('span', 'user', d.state === 'fallback' ? 'voice fallback' : 'voice back'),
                el('span', 'text', d.state === 'fallback'
                   ? d.backup + ' said the line instead of ' + d.engine + ' (' + (d.reason || '') + ')'
                   : d.engine + ' answers again'));
    } else {
      li.append(el('span', 'user', kind), el('span', 'text', JSON.stringify(d)));
    }
    const atBottom = chat.scrollTop + chat.clientHeight >= chat.scrollHeight - 30;
    chat.append(li);
    while (chat.children.length > 300) chat.firstElementChild.remove();
    if (atBottom) chat.scrollTop = chat.scrollHeight;
  }
  let delay = 1000;
  function connect() {
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/op/events');
    ws.onopen = () => { ws.send(JSON.stringify({ token: token })); delay = 1000; };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      // under load the server sends what queued up together: {"type":"batch","items":[...]}
      for (const item of (msg.type === 'batch' && Array.isArray(msg.items) ? msg.items : [msg])) onEvent(item);
    };
    function onEvent(msg) {
      if (msg.type === 'event') {
        const ev = msg.event;
        if (['comment', 'say', 'operator', 'stream', 'voice'].includes(ev.kind)) addItem(ev.kind, ev.data);
        if (ev.kind === 'voice' && ev.data.state === 'fallback') flash('voice ' + ev.data.engine + ' failed: ' + ev.data.backup + ' speaks', true);
      } else if (msg.type === 'viewers') $('viewers').textContent = msg.count + ' viewers';
      else if (msg.type === 'error') flash(msg.message, true);
    }
    ws.onclose = () => { setTimeout(connect, delay); delay = Math.min(15000, delay * 2); };
  }

  refresh();
  setInterval(refresh, 1000);
  connect();
})();
