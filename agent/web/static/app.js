// inboxbot agents' desk: small progressive enhancements over the
// server-rendered pages. Customer text is never turned into markup here:
// text is set with .value / .textContent, and live updates move nodes that
// the server rendered (and escaped) with html/template.
(function () {
  'use strict';
  var body = document.body;
  var page = body.getAttribute('data-page');

  // Canned replies fill the reply box as plain text.
  var canned = document.getElementById('canned');
  var text = document.getElementById('reply-text');
  if (canned && text) {
    canned.addEventListener('change', function () {
      var opt = canned.options[canned.selectedIndex];
      if (opt && opt.getAttribute('data-text')) {
        text.value = opt.getAttribute('data-text');
        text.focus();
      }
      canned.selectedIndex = 0;
    });
  }

  // The send button says where the reply goes, so a public reply is
  // never sent by accident.
  var form = document.getElementById('reply-form');
  var send = document.getElementById('send');
  if (form && send) {
    var update = function () {
      var pub = form.querySelector('input[name=visibility][value=public]');
      var isPublic = !!(pub && pub.checked);
      send.textContent = isPublic ? 'Send publicly' : 'Send privately';
      form.classList.toggle('public', isPublic);
    };
    form.addEventListener('change', update);
    update();
    form.addEventListener('submit', function () { send.disabled = true; });
  }

  // Revealing a message's hidden booking numbers and PINs: a POST (CSRF
  // token in the header, as every state-changing request of a session),
  // which the server records in the audit trail. The clear text is set as
  // text, never markup, and kept here so that a live refresh of the
  // thread does not hide it again.
  var revealed = {};
  function applyRevealed() {
    Object.keys(revealed).forEach(function (id) {
      var li = document.querySelector('li[data-message-id="' + id + '"]');
      if (!li) { return; }
      var p = li.querySelector('p.text');
      if (p) { p.textContent = revealed[id]; p.classList.add('revealed'); }
      var b = li.querySelector('button[data-reveal]');
      if (b) { b.remove(); }
    });
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('button[data-reveal]');
    if (!b || !window.fetch) { return; }
    var csrf = document.querySelector('input[name=csrf]');
    b.disabled = true;
    fetch('/api/messages/' + encodeURIComponent(b.getAttribute('data-reveal')) + '/reveal', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf ? csrf.value : '', 'Accept': 'application/json' }
    }).then(function (r) {
      if (!r.ok) { throw new Error('reveal failed: ' + r.status); }
      return r.json();
    }).then(function (m) {
      revealed[String(m.id)] = m.text;
      applyRevealed();
    }).catch(function () { b.disabled = false; });
  });

  // Whole queue rows are clickable.
  var queue = document.querySelector('main');
  if (page === 'queue' && queue) {
    queue.addEventListener('click', function (e) {
      var row = e.target.closest && e.target.closest('tr[data-id]');
      if (row && !e.target.closest('a')) {
        location.assign('/conversations/' + encodeURIComponent(row.getAttribute('data-id')));
      }
    });
  }

  // Live updates: on an event, fetch this page again and swap the regions
  // that changed. DOMParser builds an inert document (its scripts never
  // run) from the server's escaped HTML; nodes are imported, not re-parsed.
  var regions = {
    queue: ['facets', 'queue-head', 'queue-list', 'banner'],
    conversation: ['facets', 'queue-head', 'queue-list', 'conv-head', 'thread', 'customer-card', 'holder',
      'person', 'audit', 'reply-held', 'banner']
  }[page];
  if (!regions || !window.EventSource || !window.fetch) {
    return;
  }
  var url = body.getAttribute('data-url') || location.pathname + location.search;
  var live = document.getElementById('live');
  var timer = null, busy = false, again = false, last = 0;
  var minGap = page === 'queue' ? 1000 : 300;

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    last = Date.now();
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) {
        if (r.redirected || r.status === 401) {
          location.assign('/login');
          throw new Error('signed out');
        }
        if (!r.ok) { throw new Error('refresh failed: ' + r.status); }
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        regions.forEach(function (id) {
          var fresh = doc.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
        });
        applyRevealed();
        body.setAttribute('data-refreshed', String(last));
        document.dispatchEvent(new Event('inboxbot:refreshed'));
      })
      .catch(function () { /* the next event retries */ })
      .then(function () {
        busy = false;
        if (again) { again = false; schedule(); }
      });
  }

  function schedule() {
    if (timer) { return; }
    var wait = Math.max(100, minGap - (Date.now() - last));
    timer = setTimeout(function () { timer = null; refresh(); }, wait);
  }

  var es = new EventSource('/events');
  // desk.js shares the stream (presence) and the refresh.
  window.inboxbot = { events: es, refresh: schedule };
  // On every (re)connect, catch up on what changed between the page's
  // render and the subscription (a reply sent in that gap, say).
  es.addEventListener('open', function () {
    if (live) { live.classList.add('on'); }
    schedule();
  });
  es.addEventListener('error', function () { if (live) { live.classList.remove('on'); } });
  // Any conversation's change may change the queue beside this one.
  es.addEventListener('conversation', schedule);
  // The desk's clock: relative times and SLA colours move on.
  es.addEventListener('tick', schedule);
  es.addEventListener('health', schedule);
  es.addEventListener('resync', schedule);
  window.addEventListener('pagehide', function () { es.close(); });
})();
