// twincast viewer page. Every piece of text from the server is set with textContent, never
// innerHTML: comments are written by strangers. The page can only comment and order.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const video = $('video');
  const wsBase = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host;
  const SYMBOL = { CNY: '¥', USD: '$', EUR: '€' };

  // ---- identity: a random id kept in this browser, and a nickname the viewer picks -------------
  function randomId() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b); // works on plain http too, unlike crypto.randomUUID
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }
  let viewerId = localStorage.getItem('twincast.viewer');
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(viewerId || '')) {
    viewerId = randomId();
    localStorage.setItem('twincast.viewer', viewerId);
  }
  const nickInput = $('nick');
  nickInput.value = localStorage.getItem('twincast.nick') || ('观众' + viewerId.slice(0, 4));
  nickInput.addEventListener('change', () => localStorage.setItem('twincast.nick', nickInput.value.trim()));
  const nick = () => nickInput.value.trim() || '观众';

  // ---- small helpers ------------------------------------------------------------------------------
  let noticeTimer = null;
  function notice(text, bad) {
    const n = $('notice');
    n.textContent = text;
    n.className = 'notice' + (bad ? ' bad' : '');
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { n.textContent = ''; }, 5000);
  }
  function money(v, cur) { return (SYMBOL[cur] || (cur + ' ')) + Number(v).toFixed(2); }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // ---- chat ---------------------------------------------------------------------------------------------
  const chat = $('chat');
  const seen = new Map(); // comment id -> <li>, so our own comment is not shown twice
  function addChat(kind, user, text, note, id) {
    const li = el('li', 'msg ' + kind);
    li.append(el('span', 'user', user), el('span', 'text', text));
    if (note) li.append(el('span', 'note', note));
    if (id !== undefined && id !== null) { li.dataset.id = String(id); seen.set(id, li); }
    const atBottom = chat.scrollTop + chat.clientHeight >= chat.scrollHeight - 30;
    chat.append(li);
    while (chat.children.length > 200) chat.firstElementChild.remove();
    if (atBottom) chat.scrollTop = chat.scrollHeight;
    return li;
  }

  $('comment-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $('comment');
    const text = input.value.trim();
    if (!text) return;
    let r, body = {};
    try {
      r = await fetch('/api/comment', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ viewer: viewerId, user: nick(), text: text }),
      });
      body = await r.json().catch(() => ({}));
    } catch (e) { notice('网络错误，请重试', true); return; }
    if (!r.ok) { notice(body.error || ('error ' + r.status), true); return; }
    input.value = '';
    const li = seen.get(body.id);
    if (li) li.classList.add('me');
    else addChat('me', body.user, body.text, body.shown ? null : '仅自己可见', body.id);
  });

  // ---- products ------------------------------------------------------------------------------------------
  let onAir = null;
  function markOnAir(pid) {
    onAir = pid || onAir;
    for (const li of $('shelf').children) li.classList.toggle('on-air', li.dataset.id === onAir);
  }
  async function loadProducts() {
    try {
      const r = await fetch('/api/products');
      const data = await r.json();
      const shelf = $('shelf');
      shelf.replaceChildren();
      for (const p of data.products) {
        const li = el('li', 'product');
        li.dataset.id = p.id;
        if (p.image_url) { const img = el('img'); img.src = p.image_url; img.alt = ''; li.append(img); }
        const info = el('div', 'info');
        info.append(el('div', 'name', (p.link ? p.link + '号 ' : '') + p.name));
        const price = el('div', 'price');
        if (p.promo_price !== null && p.promo_price !== undefined) {
          price.append(el('span', 'promo', money(p.promo_price, p.currency)), el('s', 'was', money(p.price, p.currency)));
        } else price.append(el('span', 'promo', money(p.price, p.currency)));
        info.append(price, el('div', 'stock'));
        const btn = el('button', 'buy');
        btn.type = 'button';
        btn.dataset.id = p.id;
        btn.addEventListener('click', () => buy(p.id));
        li.append(info, btn);
        shelf.append(li);
        setStock(p.id, p.stock);
      }
      markOnAir(data.on_air);
    } catch (e) { setTimeout(loadProducts, 3000); }
  }
  // live stock: from /api/products, every order's reply and the server's "stock" events
  function setStock(pid, n) {
    for (const li of $('shelf').children) {
      if (li.dataset.id !== pid) continue;
      li.querySelector('.stock').textContent = n > 0 ? '剩 ' + n + ' 件' : '已售罄';
      const btn = li.querySelector('button.buy');
      btn.textContent = n > 0 ? '购买' : '已售罄';
      btn.disabled = n <= 0;
    }
  }
  async function buy(pid) {
    let r, body = {};
    try {
      r = await fetch('/api/buy', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ viewer: viewerId, user: nick(), product_id: pid, qty: 1 }),
      });
      body = await r.json().catch(() => ({}));
    } catch (e) { notice('网络错误，请重试', true); return; }
    if (!r.ok) { notice(body.error || ('error ' + r.status), true); if (r.status === 409) loadProducts(); return; }
    if (typeof body.remaining === 'number') setStock(pid, body.remaining);
    notice('下单成功：' + body.name + ' ×' + body.qty + '，' + money(body.amount, body.currency));
  }

  // ---- events: chat, host answers, viewer count, on-air product, pinned banner ------------------------------
  let eventsDelay = 1000;
  function connectEvents() {
    const ws = new WebSocket(wsBase + '/ws/events?viewer=' + encodeURIComponent(viewerId) +
                             '&nick=' + encodeURIComponent(nick()));
    ws.onopen = () => { eventsDelay = 1000; };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      // under load the server sends what queued up together: {"type":"batch","items":[...]}
      for (const item of (msg.type === 'batch' && Array.isArray(msg.items) ? msg.items : [msg])) onEvent(item);
    };
    function onEvent(msg) {
      if (msg.type === 'chat') { if (!seen.has(msg.id)) addChat('viewer', msg.user, msg.text, null, msg.id); }
      else if (msg.type === 'host') { addChat('host', msg.label || '主播', msg.text); if (msg.product) markOnAir(msg.product); }
      else if (msg.type === 'viewers') $('viewers').textContent = msg.count + ' 人在看';
      else if (msg.type === 'on_air') markOnAir(msg.product);
      else if (msg.type === 'pin') setBanner(msg.text);
      else if (msg.type === 'stock') setStock(msg.product, msg.stock);
      else if (msg.type === 'hello') { markOnAir(msg.product); setBanner(msg.banner); }
      else if (msg.type === 'stream') {
        if (msg.state === 'on_air') { status(''); restartPlayer(500); }
        else if (msg.state === 'stopped') status('直播已结束 · The show has ended');
      } else if (msg.type === 'error') notice(msg.message, true);
    }
    ws.onclose = () => { setTimeout(connectEvents, eventsDelay); eventsDelay = Math.min(15000, eventsDelay * 2); };
  }
  function setBanner(text) {
    const b = $('banner');
    b.textContent = text || '';
    b.hidden = !text;
  }

  // ---- video: mpegts.js over WebSocket-FLV, tuned for low latency -------------------------------------------
  let player = null, retry = null, lastT = -1, lastAdvance = Date.now();
  function status(text) { $('player-status').textContent = text; }
  function stopPlayer() {
    if (!player) return;
    try { player.pause(); player.unload(); player.detachMediaElement(); player.destroy(); } catch (e) { /* gone */ }
    player = null;
  }
  function restartPlayer(ms) { clearTimeout(retry); retry = setTimeout(startPlayer, ms); }
  function startPlayer() {
    stopPlayer();
    const m = window.mpegts;
    if (!m) { status('播放器未安装：run scripts/setup_web.sh'); return; }
    if (!m.getFeatureList().mseLivePlayback) { status('此浏览器不支持直播播放 (no MSE)'); return; }
    m.LoggingControl.applyConfig({ enableVerbose: false, enableDebug: false, enableInfo: false });
    player = m.createPlayer({ type: 'flv', isLive: true, url: wsBase + '/ws/flv' }, {
      enableWorker: false,
      enableStashBuffer: false, // hand every tag to the demuxer at once
      lazyLoad: false,
      deferLoadAfterSourceOpen: false,
      autoCleanupSourceBuffer: true,
      autoCleanupMaxBackwardDuration: 20,
      autoCleanupMinBackwardDuration: 10,
      liveBufferLatencyChasing: true, // jump to the live edge when far behind
      liveBufferLatencyChasingOnPaused: true,
      liveBufferLatencyMaxLatency: 0.8,
      liveBufferLatencyMinRemain: 0.2,
      liveSync: true, // and play slightly faster when a little behind
      liveSyncMaxLatency: 0.3,
      liveSyncTargetLatency: 0.15,
      liveSyncPlaybackRate: 1.1,
    });
    player.attachMediaElement(video);
    player.on(m.Events.ERROR, () => { status('重新连接… / reconnecting'); restartPlayer(2000); });
    player.on(m.Events.LOADING_COMPLETE, () => restartPlayer(2000));
    player.load();
    const p = player.play();
    if (p && p.catch) p.catch(() => {});
  }
  // a stalled picture (network hiccup, show restarted) reconnects by itself
  setInterval(() => {
    if (!player) return;
    if (video.currentTime !== lastT) { lastT = video.currentTime; lastAdvance = Date.now(); if (video.currentTime > 0) status(''); }
    else if (Date.now() - lastAdvance > 8000) { lastAdvance = Date.now(); restartPlayer(0); }
  }, 1000);
  $('unmute').addEventListener('click', () => {
    video.muted = false;
    video.play().catch(() => {});
    $('unmute').hidden = true;
  });

  // ---- optional glass-to-glass probe (?latency=1): reads the capture time FakeShow draws --------------------
  function latencyProbe() {
    if (!('requestVideoFrameCallback' in HTMLVideoElement.prototype)) return;
    const S = { bits: 32, cell: 11, top: 8, h: 16, left: 4 };
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const samples = (window.twincastLatency = []);
    const box = $('latency');
    box.hidden = false;
    const onFrame = (now, meta) => {
      const w = video.videoWidth;
      if (w >= S.left + S.bits * S.cell) {
        const rows = S.top + S.h;
        if (canvas.width !== w) { canvas.width = w; canvas.height = rows; }
        ctx.drawImage(video, 0, 0, w, rows, 0, 0, w, rows);
        const px = ctx.getImageData(0, S.top + (S.h >> 1), w, 1).data;
        let v = 0;
        for (let b = 0; b < S.bits; b++) v = v * 2 + (px[(S.left + b * S.cell + (S.cell >> 1)) * 4] > 128 ? 1 : 0);
        const shown = performance.timeOrigin + (meta && meta.expectedDisplayTime ? meta.expectedDisplayTime : now);
        const lat = ((shown % 4294967296) - v + 4294967296) % 4294967296;
        if (lat < 60000) {
          samples.push(lat);
          if (samples.length > 500) samples.shift();
          if (samples.length % 25 === 0) {
            const s = samples.slice(-100).sort((a, b) => a - b);
            box.textContent = 'glass-to-glass ' + Math.round(s[s.length >> 1]) + ' ms';
          }
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  loadProducts();
  connectEvents();
  startPlayer();
  if (new URLSearchParams(location.search).get('latency') === '1') latencyProbe();
})();
