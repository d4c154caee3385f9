(function () {
  'use strict';
  var doc = document;

  // Lengths while the employee edits, counted like the tool's measure.rs
  // (X: NFC, links 23, emoji and most non-Latin characters 2; Bluesky:
  // grapheme clusters; Mastodon: links 23). The count shown on load is the
  // tool's own; this keeps it live.
  var segmenter = (typeof Intl !== 'undefined' && Intl.Segmenter) ?
    new Intl.Segmenter('en', { granularity: 'grapheme' }) : null;
  function clusters(text) {
    if (!segmenter) {
      var out = [], i = 0;
      Array.from(text).forEach(function (c) { out.push({ segment: c, index: i }); i += c.length; });
      return out;
    }
    return Array.from(segmenter.segment(text));
  }
  var URL_RE = /(?:https?:\/\/|www\.)[^\s<>"]+|\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|app|co|edu|gov|info|ly|me|ai)\b(?:\/[^\s<>"]*)?/gi;
  var TRAILING = /[.,:;!?'")\]}]+$/;
  function urls(text) {
    var found = [], m;
    URL_RE.lastIndex = 0;
    while ((m = URL_RE.exec(text)) !== null) {
      var url = m[0].replace(TRAILING, '');
      if (url) { found.push([m.index, m.index + url.length]); }
    }
    return found;
  }
  var EMOJI = /\p{Emoji}/u;
  function isEmoji(cluster) {
    if (cluster.indexOf('\u20E3') >= 0) { return true; }
    var first = String.fromCodePoint(cluster.codePointAt(0));
    return first.codePointAt(0) > 127 && EMOJI.test(first);
  }
  function light(cp) {
    return cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247);
  }
  function xLength(text) {
    text = text.normalize('NFC');
    var found = urls(text), weight = 0, skipUntil = 0, next = 0;
    clusters(text).forEach(function (c) {
      if (c.index < skipUntil) { return; }
      while (next < found.length && found[next][0] < c.index) { next++; }
      if (next < found.length && found[next][0] === c.index) {
        weight += 23; skipUntil = found[next][1]; next++; return;
      }
      if (isEmoji(c.segment)) { weight += 2; return; }
      Array.from(c.segment).forEach(function (ch) { weight += light(ch.codePointAt(0)) ? 1 : 2; });
    });
    return weight;
  }
  function codePoints(text) { return Array.from(text).length; }
  function lengthFor(platform, text) {
    if (platform === 'x') { return xLength(text); }
    if (platform === 'bluesky') { return clusters(text).length; }
    if (platform === 'mastodon') {
      var n = codePoints(text);
      urls(text).forEach(function (u) { n += 23 - codePoints(text.slice(u[0], u[1])); });
      return n;
    }
    return codePoints(text);
  }

  function say(el, message) {
    el.textContent = message;
    clearTimeout(el.omTimer);
    el.omTimer = setTimeout(function () { el.textContent = ''; }, 4000);
  }
  // The fallback copies the selection: the whole text is put in the box
  // for the copy, then the short form shown again. If copying is refused,
  // the whole text stays selected for the employee to copy.
  function legacyCopy(area, text) {
    return new Promise(function (resolve, reject) {
      var shown = area.value;
      area.value = text;
      area.focus();
      area.select();
      var ok = false;
      try { ok = doc.execCommand('copy'); } catch (e) { ok = false; }
      if (ok) { area.value = shown; resolve(); } else { reject(new Error('copy refused')); }
    });
  }
  function copyText(area, text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(area, text); });
    }
    return legacyCopy(area, text);
  }

  function selectTab(card, platform, focus) {
    var found = false;
    card.querySelectorAll('[role="tab"]').forEach(function (tab) {
      var on = tab.getAttribute('data-platform') === platform;
      found = found || on;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) { tab.focus(); }
    });
    if (!found) { return; }
    card.querySelectorAll('.panel').forEach(function (panel) {
      panel.hidden = panel.getAttribute('data-platform') !== platform;
    });
  }

  doc.querySelectorAll('.card').forEach(function (card) {
    var list = card.querySelector('[role="tablist"]');
    if (!list) { return; }
    var tabs = Array.from(list.querySelectorAll('[role="tab"]'));
    list.hidden = false;
    card.classList.add('tabbed');
    selectTab(card, tabs[0].getAttribute('data-platform'), false);
    list.addEventListener('click', function (e) {
      var tab = e.target.closest('[role="tab"]');
      if (tab) { selectTab(card, tab.getAttribute('data-platform'), false); }
    });
    list.addEventListener('keydown', function (e) {
      var at = tabs.indexOf(doc.activeElement), to = -1;
      if (at < 0) { return; }
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown') { to = (at + 1) % tabs.length; }
      else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') { to = (at - 1 + tabs.length) % tabs.length; }
      else if (e.key === 'Home') { to = 0; }
      else if (e.key === 'End') { to = tabs.length - 1; }
      if (to >= 0) {
        e.preventDefault();
        selectTab(card, tabs[to].getAttribute('data-platform'), true);
      }
    });
  });

  // Percent-encoding as the tool writes share URLs (encode.rs): only
  // letters, digits and -._~ are left as they are.
  function percent(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
      return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }

  // Tracked links are shown without their utm_ parameters and copied,
  // shared and counted whole: data-links holds [[whole, short], ...].
  function replaceAll(text, from, to) { return text.split(from).join(to); }

  doc.querySelectorAll('.panel').forEach(function (panel) {
    var area = panel.querySelector('textarea');
    var count = panel.querySelector('.count .n');
    var over = panel.querySelector('.count .over');
    var share = panel.querySelector('a.share');
    var blocked = panel.querySelector('.limit');
    var status = panel.querySelector('.copied');
    var limit = Number(panel.getAttribute('data-limit'));
    var platform = panel.getAttribute('data-platform');
    var intent = panel.getAttribute('data-intent');
    var links = JSON.parse(panel.getAttribute('data-links') || '[]');
    var shareUrl = share ? (share.getAttribute('href') || share.getAttribute('data-href')) : '';
    function whole() {
      return links.reduce(function (text, pair) { return replaceAll(text, pair[1], pair[0]); }, area.value);
    }
    area.value = links.reduce(function (text, pair) { return replaceAll(text, pair[0], pair[1]); }, area.value);
    area.addEventListener('input', function () {
      var text = whole();
      var length = lengthFor(platform, text);
      var isOver = length > limit;
      count.textContent = String(length);
      panel.classList.toggle('is-over', isOver);
      over.hidden = !isOver;
      over.textContent = isOver ? ', ' + (length - limit) + ' over the limit' : '';
      if (!share) { return; }
      if (intent) { shareUrl = intent + percent(text); }
      blocked.hidden = !isOver;
      if (isOver) {
        share.removeAttribute('href');
        share.setAttribute('role', 'link');
        share.setAttribute('aria-disabled', 'true');
      } else {
        share.href = shareUrl;
        share.target = '_blank';
        share.rel = 'noopener noreferrer';
        share.removeAttribute('role');
        share.removeAttribute('aria-disabled');
      }
    });
    panel.querySelector('button.copy').addEventListener('click', function () {
      var text = whole();
      copyText(area, text).then(function () {
        say(status, 'Copied');
      }, function () {
        area.value = text;
        area.focus();
        area.select();
        say(status, 'Press Ctrl+C (or \u2318C) to copy the selected text');
      });
    });
  });

  var filters = doc.getElementById('om_filters');
  if (filters) {
    var search = doc.getElementById('om_search');
    var audience = doc.getElementById('om_audience');
    var platform = doc.getElementById('om_platform');
    var shown = doc.getElementById('om_shown');
    var empty = doc.getElementById('om_empty');
    var params = new URLSearchParams(window.location.search);
    if (params.get('q')) { search.value = params.get('q'); }
    // What a search reads of a card: its title, every network's text as
    // published and its tags, in lower case.
    doc.querySelectorAll('.card').forEach(function (card) {
      var parts = [card.querySelector('h2').textContent];
      card.querySelectorAll('textarea').forEach(function (t) { parts.push(t.defaultValue); });
      card.querySelectorAll('.tags li').forEach(function (t) { parts.push(t.textContent); });
      card.omText = parts.join('\n').toLowerCase();
    });
    [[audience, params.get('audience')], [platform, params.get('platform')]].forEach(function (pair) {
      if (pair[1] && Array.from(pair[0].options).some(function (o) { return o.value === pair[1]; })) {
        pair[0].value = pair[1];
      }
    });
    var apply = function () {
      var a = audience.value, p = platform.value, n = 0;
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      doc.querySelectorAll('.card').forEach(function (card) {
        var audiences = (card.getAttribute('data-audiences') || '').split(' ').filter(Boolean);
        var platforms = (card.getAttribute('data-platforms') || '').split(' ');
        var match = (!a || audiences.length === 0 || audiences.indexOf(a) >= 0) &&
          (!p || platforms.indexOf(p) >= 0) &&
          words.every(function (w) { return card.omText.indexOf(w) >= 0; });
        card.hidden = !match;
        if (match) {
          n += 1;
          if (p) { selectTab(card, p, false); }
        }
      });
      shown.textContent = n === 1 ? 'Showing 1 post' : 'Showing ' + n + ' posts';
      empty.hidden = n > 0;
    };
    search.addEventListener('input', apply);
    audience.addEventListener('change', apply);
    platform.addEventListener('change', apply);
    filters.hidden = false;
    apply();
  }
}());
