/* chilecite reader's edition: the note and quotation panel, copy buttons and search.
   Plain JavaScript, no libraries, nothing fetched: it works opened from disk. Without it the page
   still works: every marker links to its note in the footnotes after each section. */
(function () {
  "use strict";

  var doc = document;
  var panel = doc.getElementById("panel");
  var panelBody = doc.getElementById("panel-body");
  var panelHeading = doc.getElementById("panel-heading");
  var closeButton = doc.getElementById("panel-close");
  var emptyMessage = panelBody ? panelBody.querySelector(".panel-empty") : null;
  var current = null; // {card, placeholder, opener}
  var CARD_HASH = /^#(n\d+|q-[a-z0-9-]+)$/;

  // ------------------------------------------------------------------ folding, as chilecite.rules.fold
  // NFKD, combining marks dropped, case folded, anything but a-z and 0-9 a space.
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase()
      .replace(/\u00df/g, "ss").replace(/[^a-z0-9]+/g, " ").trim();
  }
  window.chileciteFold = fold; // for the browser tests' parity check with Python

  // ------------------------------------------------------------------ cards in the panel
  function cardFor(hash) {
    if (!CARD_HASH.test(hash)) return null;
    var el = doc.getElementById(hash.slice(1));
    return el && el.classList.contains("card") ? el : null;
  }

  function textAnchorFor(card) {
    if (card.getAttribute("data-kind") === "note") {
      return doc.getElementById("m" + card.id.slice(1));
    }
    var qid = card.id.slice(2);
    var mark = doc.getElementById("qt-" + qid);
    return mark ? mark.querySelector('a.qref[href="#q-' + qid + '"]') : null;
  }

  function highlight(card, on) {
    var nodes;
    if (card.getAttribute("data-kind") === "note") {
      nodes = [doc.getElementById("m" + card.id.slice(1))];
    } else {
      nodes = doc.querySelectorAll('mark.quote[data-q="' + card.id.slice(2) + '"]');
    }
    Array.prototype.forEach.call(nodes, function (node) {
      if (node) node.classList.toggle("is-current", on);
    });
  }

  // Below 80rem the panel is a sheet over the lower part of the window: the text goes above it.
  function sheet() {
    return window.matchMedia && window.matchMedia("(max-width: 79.99rem)").matches;
  }

  // In the footnotes a card's title is an h4 under its section's h3 (its parts h5); in the panel,
  // under the panel's h2, they are read as levels 3 and 4.
  function levels(card, inPanel) {
    Array.prototype.forEach.call(card.querySelectorAll(".card-title, .card-sub"), function (h) {
      if (inPanel) h.setAttribute("aria-level", h.classList.contains("card-title") ? "3" : "4");
      else h.removeAttribute("aria-level");
    });
  }

  function restore() {
    if (!current) return;
    highlight(current.card, false);
    levels(current.card, false);
    current.placeholder.parentNode.replaceChild(current.card, current.placeholder);
    panelBody.textContent = "";
    if (emptyMessage) panelBody.appendChild(emptyMessage);
    panel.classList.remove("is-open");
    doc.body.classList.remove("panel-open");
    current = null;
  }

  function open(card, opener, options) {
    options = options || {};
    if (!current || current.card !== card) {
      restore();
      var placeholder = doc.createComment(" " + card.id + " ");
      card.parentNode.insertBefore(placeholder, card);
      panelBody.textContent = "";
      panelBody.appendChild(card);
      current = { card: card, placeholder: placeholder, opener: opener || textAnchorFor(card) };
      panelHeading.textContent = card.getAttribute("data-kind") === "note" ? "Note" : "Quotation";
      levels(card, true);
      panel.classList.add("is-open");
      doc.body.classList.add("panel-open");
      highlight(card, true);
    } else if (opener) {
      current.opener = opener;
    }
    panelBody.scrollTop = 0;
    if (options.scroll) {
      var anchor = textAnchorFor(card);
      if (anchor) anchor.scrollIntoView({ block: sheet() ? "start" : "center" });
    }
    if (options.focus !== false) card.focus({ preventScroll: true });
  }

  function close(returnFocus) {
    if (!current) return;
    var opener = current.opener;
    var anchor = textAnchorFor(current.card);
    restore();
    if (anchor) history.replaceState(null, "", "#" + (anchor.classList.contains("marker") ? anchor.id : anchor.parentNode.id));
    if (returnFocus && opener && doc.contains(opener)) opener.focus();
  }

  function fromHash(options) {
    var card = cardFor(location.hash);
    if (card) open(card, null, options);
    else if (current) restore();
  }

  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link) {
      var mark = event.target.closest ? event.target.closest("mark.quote") : null;
      if (mark && !(window.getSelection && String(window.getSelection()))) {
        var card = doc.getElementById("q-" + mark.getAttribute("data-q"));
        if (card) {
          open(card, textAnchorFor(card));
          history.pushState(null, "", "#q-" + mark.getAttribute("data-q"));
        }
      }
      return;
    }
    var href = link.getAttribute("href");
    var target = cardFor(href);
    if (target) {
      event.preventDefault();
      var inText = link.classList.contains("marker") || link.classList.contains("qref");
      var inPanel = panel.contains(link);
      open(target, inPanel ? null : link, { scroll: !inText || sheet() });
      history.pushState(null, "", href);
      return;
    }
    if (link.classList.contains("back-link") && panel.contains(link)) {
      event.preventDefault();
      var anchor = textAnchorFor(current.card);
      restore();
      history.pushState(null, "", href);
      if (anchor) {
        anchor.scrollIntoView({ block: sheet() ? "start" : "center" });
        anchor.focus({ preventScroll: true });
      }
    }
  }

  // ------------------------------------------------------------------ copying a citation
  var copyStatus;

  function announce(message) {
    if (!copyStatus) {
      copyStatus = doc.createElement("p");
      copyStatus.className = "visually-hidden";
      copyStatus.setAttribute("role", "status");
      doc.body.appendChild(copyStatus);
    }
    copyStatus.textContent = message;
  }

  function copyFallback(text) {
    var area = doc.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    doc.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
    doc.body.removeChild(area);
    return ok;
  }

  function copied(button, ok) {
    button.textContent = ok ? "Copied" : "Select and copy";
    button.classList.toggle("copied", ok);
    announce(ok ? "Citation copied." : "Copying is not allowed here; select the citation and copy it.");
    setTimeout(function () { button.textContent = "Copy citation"; button.classList.remove("copied"); }, 2500);
  }

  function onCopy(event) {
    var button = event.target.closest ? event.target.closest(".copy-button") : null;
    if (!button) return;
    var text = button.getAttribute("data-copy") || "";
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { copied(button, true); },
        function () { copied(button, copyFallback(text)); });
    } else {
      copied(button, copyFallback(text));
    }
  }

  // ------------------------------------------------------------------ search
  var KIND_NAMES = { p: "Text", q: "Quotation", n: "Note" };
  var KIND_ORDER = { q: 0, n: 1, p: 2 };
  var entries = [];
  var searchInput = doc.getElementById("search-input");
  var searchStatus = doc.getElementById("search-status");
  var searchResults = doc.getElementById("search-results");
  var MAX_RESULTS = 40;

  function loadIndex() {
    var node = doc.getElementById("search-index");
    if (!node) return;
    var data = JSON.parse(node.textContent);
    entries = data.entries.map(function (e, i) {
      return { kind: e[0], id: e[1], label: e[2], words: e[3] ? e[3].split(" ") : [], order: i };
    });
  }

  function matches(token, word) {
    return token === word || (word.length >= 3 && token.indexOf(word) === 0);
  }

  function queryWords(text) {
    var seen = [];
    fold(text).split(" ").forEach(function (w) { if (w && seen.indexOf(w) < 0) seen.push(w); });
    return seen;
  }

  function search(text) {
    var words = queryWords(text);
    if (!words.length) return { words: words, hits: [] };
    var hits = [];
    entries.forEach(function (entry) {
      var found = 0;
      words.forEach(function (w) {
        for (var i = 0; i < entry.words.length; i++) {
          if (matches(entry.words[i], w)) { found++; return; }
        }
      });
      if (found) hits.push({ entry: entry, found: found });
    });
    var best = hits.reduce(function (m, h) { return Math.max(m, h.found); }, 0);
    // every word when some entry has every word; otherwise the best partial matches
    hits = hits.filter(function (h) { return h.found === best; });
    hits.sort(function (a, b) {
      return (KIND_ORDER[a.entry.kind] - KIND_ORDER[b.entry.kind]) || (a.entry.order - b.entry.order);
    });
    return { words: words, hits: hits, complete: best === words.length };
  }

  function plainText(el) {
    var copy = el.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll(".pnum, .visually-hidden, .qref, .marker"), function (n) {
      n.parentNode.removeChild(n);
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function sourceText(entry) {
    var el;
    if (entry.kind === "q") {
      el = doc.getElementById("qt-" + entry.id.slice(2)) || doc.getElementById(entry.id);
    } else if (entry.kind === "n") {
      var card = doc.getElementById(entry.id);
      el = card ? (card.querySelector(".commentary") || card.querySelector(".where") || card) : null;
    } else {
      el = doc.getElementById(entry.id);
    }
    return el ? plainText(el) : "";
  }

  function snippet(text, words) {
    var fragment = doc.createDocumentFragment();
    var re = /[\p{L}\p{N}]+/gu;
    var tokens = [];
    var m;
    while ((m = re.exec(text)) !== null) tokens.push({ start: m.index, end: m.index + m[0].length, folded: fold(m[0]).replace(/ /g, "") });
    var firstHit = -1;
    tokens.forEach(function (t, i) {
      t.hit = words.some(function (w) { return matches(t.folded, w); });
      if (t.hit && firstHit < 0) firstHit = i;
    });
    var from = Math.max(0, firstHit - 12);
    var to = Math.min(tokens.length, Math.max(firstHit, 0) + 28);
    if (!tokens.length) { fragment.appendChild(doc.createTextNode(text.slice(0, 200))); return fragment; }
    var start = tokens[from].start;
    var end = tokens[to - 1].end;
    if (from > 0) fragment.appendChild(doc.createTextNode("… "));
    var pos = start;
    for (var i = from; i < to; i++) {
      var t = tokens[i];
      if (!t.hit) continue;
      fragment.appendChild(doc.createTextNode(text.slice(pos, t.start)));
      var mark = doc.createElement("mark");
      mark.textContent = text.slice(t.start, t.end);
      fragment.appendChild(mark);
      pos = t.end;
    }
    fragment.appendChild(doc.createTextNode(text.slice(pos, end) + (to < tokens.length ? " …" : "")));
    return fragment;
  }

  function render(query) {
    searchResults.textContent = "";
    var result = search(query);
    if (!result.words.length) { searchStatus.textContent = ""; return; }
    var hits = result.hits;
    if (!hits.length) {
      searchStatus.textContent = "Nothing matches “" + query.trim() + "”.";
      return;
    }
    var shown = hits.slice(0, MAX_RESULTS);
    searchStatus.textContent = hits.length + (hits.length === 1 ? " result" : " results") +
      (result.complete ? "" : " with some of the words") + (hits.length > shown.length ? "; the first " + shown.length + " shown." : ".");
    shown.forEach(function (hit) {
      var li = doc.createElement("li");
      var a = doc.createElement("a");
      a.href = "#" + hit.entry.id;
      var kind = doc.createElement("span");
      kind.className = "result-kind";
      kind.textContent = KIND_NAMES[hit.entry.kind];
      a.appendChild(kind);
      a.appendChild(doc.createTextNode(hit.entry.label));
      li.appendChild(a);
      var p = doc.createElement("p");
      p.appendChild(snippet(sourceText(hit.entry), result.words));
      li.appendChild(p);
      searchResults.appendChild(li);
    });
  }

  var timer = null;
  function onSearchInput() {
    clearTimeout(timer);
    timer = setTimeout(function () { render(searchInput.value); }, 120);
  }

  // ------------------------------------------------------------------ start
  function start() {
    if (panel) {
      panel.hidden = false;
      doc.addEventListener("click", onClick);
      closeButton.addEventListener("click", function () { close(true); });
      doc.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && current) {
          event.preventDefault();
          close(true);
        }
      });
      window.addEventListener("popstate", function () { fromHash({ scroll: true, focus: false }); });
      window.addEventListener("hashchange", function () { fromHash({ scroll: true, focus: false }); });
      window.addEventListener("beforeprint", restore);
      fromHash({ scroll: true, focus: false });
    }
    Array.prototype.forEach.call(doc.querySelectorAll(".copy-button"), function (b) { b.hidden = false; });
    doc.addEventListener("click", onCopy);
    if (searchInput) {
      loadIndex();
      searchInput.addEventListener("input", onSearchInput);
      doc.getElementById("search-form").addEventListener("submit", function (event) {
        event.preventDefault();
        clearTimeout(timer);
        render(searchInput.value);
      });
      searchStatus.textContent = "";
      if (searchInput.value) render(searchInput.value);
    }
  }

  start();
}());
