// inboxbot desk: keyboard shortcuts, the canned-reply picker, bulk
// selection, presence, and local times. Like app.js, it never turns text
// into markup: names and texts are set with .textContent and .value.
(function () {
  'use strict';
  var body = document.body;
  var page = body.getAttribute('data-page');
  if (page !== 'queue' && page !== 'conversation') { return; }
  var me = body.getAttribute('data-me') || '';
  var conv = body.getAttribute('data-conversation');

  function $(id) { return document.getElementById(id); }
  function csrf() {
    var f = document.querySelector('input[name=csrf]');
    return f ? f.value : '';
  }
  function post(path, data) {
    return fetch(path, {
      method: 'POST', credentials: 'same-origin', keepalive: true,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
      body: JSON.stringify(data)
    });
  }

  // Times: the server writes relative times ("4 min ago"); the title
  // shows the absolute time in the agent's own time zone.
  function localTimes() {
    document.querySelectorAll('time[datetime]').forEach(function (t) {
      var d = new Date(t.getAttribute('datetime'));
      if (!isNaN(d)) { t.title = d.toLocaleString(); }
    });
  }

  // Bulk selection survives the live refreshes of the list.
  var picked = {};
  function restorePicks() {
    document.querySelectorAll('#queue-list input.pick').forEach(function (b) {
      b.checked = !!picked[b.value];
    });
    bulkState();
  }
  function bulkState() {
    var n = Object.keys(picked).length;
    var apply = $('bulk-apply');
    if (apply) {
      apply.disabled = n === 0;
      apply.textContent = n ? 'Apply to ' + n + ' selected' : 'Apply to selected';
    }
    var action = $('bulk-action');
    if (action) {
      $('bulk-assignee').hidden = action.value !== 'assign';
      $('bulk-tag').hidden = action.value !== 'tag';
      $('bulk-tag').required = action.value === 'tag';
    }
  }
  document.addEventListener('change', function (e) {
    var t = e.target;
    if (t.classList && t.classList.contains('pick')) {
      if (t.checked) { picked[t.value] = true; } else { delete picked[t.value]; }
      bulkState();
    } else if (t.id === 'pick-all') {
      document.querySelectorAll('#queue-list input.pick').forEach(function (b) {
        b.checked = t.checked;
        if (t.checked) { picked[b.value] = true; } else { delete picked[b.value]; }
      });
      bulkState();
    } else if (t.id === 'bulk-action') {
      bulkState();
    }
  });

  // A click anywhere on a queue row opens it (links and boxes do their own).
  document.addEventListener('click', function (e) {
    var row = e.target.closest && e.target.closest('#queue-list li.row');
    if (row && !e.target.closest('a, input, label, button')) {
      location.assign(row.getAttribute('data-url'));
    }
  });

  // Canned replies: '/' and part of a name in the reply box.
  var text = $('reply-text');
  var pick = $('canned-pick');
  var choices = [], chosen = 0, token = null;
  function cannedQuery() {
    var before = text.value.slice(0, text.selectionStart);
    var m = /(^|\s)\/([^\s\/]*)$/.exec(before);
    if (!m) { return null; }
    return { start: before.length - m[2].length - 1, end: before.length, q: m[2].toLowerCase() };
  }
  function isPublic() {
    var pub = $('vis-public');
    return !!(pub && pub.checked);
  }
  function showPicker() {
    token = cannedQuery();
    var select = $('canned');
    choices = [];
    if (token && select) {
      Array.prototype.forEach.call(select.options, function (o) {
        if (!o.getAttribute('data-text')) { return; }
        if (o.getAttribute('data-private') && isPublic()) { return; }
        if (o.textContent.toLowerCase().indexOf(token.q) >= 0) { choices.push(o); }
      });
    }
    pick.textContent = '';
    if (!choices.length) { pick.classList.add('hidden'); return; }
    chosen = Math.min(chosen, choices.length - 1);
    choices.slice(0, 8).forEach(function (o, i) {
      var li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.setAttribute('data-name', o.value);
      li.className = i === chosen ? 'on' : '';
      var name = document.createElement('b');
      name.textContent = o.textContent;
      var preview = document.createElement('span');
      preview.textContent = o.getAttribute('data-text');
      li.appendChild(name);
      li.appendChild(preview);
      li.addEventListener('mousedown', function (e) { e.preventDefault(); chosen = i; insertCanned(); });
      pick.appendChild(li);
    });
    pick.classList.remove('hidden');
  }
  function insertCanned() {
    var o = choices[chosen];
    if (!o || !token) { return; }
    var t = o.getAttribute('data-text');
    text.value = text.value.slice(0, token.start) + t + text.value.slice(token.end);
    var at = token.start + t.length;
    text.setSelectionRange(at, at);
    pick.classList.add('hidden');
    choices = [];
    text.dispatchEvent(new Event('input', { bubbles: true }));
  }
  if (text && pick) {
    text.addEventListener('input', function () { chosen = 0; showPicker(); });
    text.addEventListener('keydown', function (e) {
      if (pick.classList.contains('hidden')) { return; }
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        chosen = (chosen + (e.key === 'ArrowDown' ? 1 : -1) + Math.min(choices.length, 8)) % Math.min(choices.length, 8);
        showPicker();
      } else if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        e.stopPropagation();
        insertCanned();
      } else if (e.key === 'Escape') {
        e.stopPropagation();
        pick.classList.add('hidden');
      }
    });
    text.addEventListener('blur', function () { pick.classList.add('hidden'); });
  }

  // Presence: tell the other desks that this agent views (and types in)
  // this conversation, and show who else does.
  var others = {};
  function renderPresence() {
    var box = $('presence');
    if (!box) { return; }
    var now = Date.now();
    box.textContent = '';
    Object.keys(others).sort().forEach(function (a) {
      var o = others[a];
      if (o.until <= now) { delete others[a]; return; }
      var span = document.createElement('span');
      span.className = 'who-else ' + o.presence;
      span.setAttribute('data-agent', a);
      span.setAttribute('data-presence', o.presence);
      span.textContent = a + ' is ' + o.presence + (o.presence === 'typing' ? '…' : '');
      box.appendChild(span);
    });
  }
  if (conv && window.fetch) {
    // What the server rendered: others already here.
    document.querySelectorAll('#presence [data-agent]').forEach(function (s) {
      others[s.getAttribute('data-agent')] = { presence: s.getAttribute('data-presence'), until: Date.now() + 60000 };
    });
    var presence = function (state) {
      return post('/api/conversations/' + encodeURIComponent(conv) + '/presence', { state: state }).catch(function () {});
    };
    presence('viewing');
    setInterval(function () { presence('viewing'); }, 20000);
    setInterval(renderPresence, 2000);
    var lastTyping = 0;
    var typing = function () {
      if (Date.now() - lastTyping > 3000) { lastTyping = Date.now(); presence('typing'); }
    };
    ['reply-text', 'note-text'].forEach(function (id) {
      var el = $(id);
      if (el) { el.addEventListener('input', typing); }
    });
    window.addEventListener('pagehide', function () { presence('left'); });
    var live = window.inboxbot && window.inboxbot.events;
    if (live) {
      live.addEventListener('presence', function (e) {
        var p;
        try { p = JSON.parse(e.data); } catch (err) { return; }
        if (String(p.conversation_id) !== conv || p.agent === me) { return; }
        if (p.presence === 'left') {
          delete others[p.agent];
        } else {
          others[p.agent] = { presence: p.presence, until: Date.now() + (p.presence === 'typing' ? 8000 : 60000) };
        }
        renderPresence();
      });
      // A new desk joining learns who is here from their next report.
      live.addEventListener('open', function () { presence('viewing'); });
    }
  }

  // Keyboard shortcuts (see the help overlay, '?').
  var help = $('help');
  function toggleHelp() {
    if (!help) { return; }
    if (help.open) { help.close(); } else { help.showModal(); }
  }
  var helpOpen = $('help-open');
  if (helpOpen) { helpOpen.addEventListener('click', toggleHelp); }
  function go(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll('#queue-list li.row'));
    if (!rows.length) { return; }
    var at = -1;
    rows.forEach(function (r, i) { if (r.classList.contains('selected')) { at = i; } });
    var next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : at + step;
    if (next >= 0 && next < rows.length) { location.assign(rows[next].getAttribute('data-url')); }
  }
  function press(id) {
    var b = $(id);
    if (b && !b.disabled) { b.click(); return true; }
    return false;
  }
  function focus(id) {
    var el = $(id);
    if (el) { el.focus(); el.scrollIntoView({ block: 'nearest' }); }
  }
  document.addEventListener('keydown', function (e) {
    var t = e.target;
    var typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
    if (typing) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && t.form) {
        e.preventDefault();
        if (t.form.requestSubmit) { t.form.requestSubmit(); } else { t.form.submit(); }
      } else if (e.key === 'Escape') {
        t.blur();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var handled = true;
    switch (e.key) {
      case 'j': go(1); break;
      case 'k': go(-1); break;
      case 'r': focus('reply-text'); break;
      case 'n': focus('note-text'); break;
      case 'e': press('claim'); break;
      case 'c': press('close'); break;
      case '/': focus('search'); break;
      case '?': toggleHelp(); break;
      default: handled = false;
    }
    if (handled) { e.preventDefault(); }
  });

  // Ctrl+Enter and the buttons must not send twice.
  ['reply-form', 'note-form'].forEach(function (id) {
    var f = $(id);
    if (f) {
      f.addEventListener('submit', function () {
        var b = f.querySelector('button[type=submit]');
        if (b) { b.disabled = true; }
      });
    }
  });

  // A profile picture that cannot be loaded leaves the initials under it.
  document.addEventListener('error', function (e) {
    if (e.target.tagName === 'IMG' && e.target.parentNode.classList.contains('avatar')) { e.target.remove(); }
  }, true);

  function refreshed() {
    localTimes();
    restorePicks();
  }
  document.addEventListener('inboxbot:refreshed', refreshed);
  refreshed();
  var sel = document.querySelector('#queue-list li.selected');
  if (sel) { sel.scrollIntoView({ block: 'nearest' }); }
})();
