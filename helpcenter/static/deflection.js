/* Suggested articles while a customer types a ticket: no framework, no inline code.
 * Asks /api/v1/search (debounced, from 3 characters) and lists up to 5 articles in
 * the live region; counts the funnel steps; marks the form so that the server does
 * not show the suggestions a second time. Without this script the server shows them
 * on the first submit instead. */
(function () {
  "use strict";
  var form = document.getElementById("ticket-form");
  var region = document.getElementById("suggestions");
  if (!form || !region || !window.fetch) { return; }
  var list = region.querySelector(".suggestion-list");
  var subject = form.querySelector("[name=subject]");
  var description = form.querySelector("[name=description]");
  var product = form.querySelector("[name=product]");
  var seen = form.querySelector("[name=suggestions_seen]");
  var csrf = form.querySelector("[name=csrf_token]").value;
  var timer = null;
  var lastQuery = "";
  var counted = false;
  var controller = null;

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    body.append("csrf_token", csrf);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "X-CSRFToken": csrf } }).catch(function () {});
  }

  function item(result) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    var params = new URLSearchParams({ article: result.id, product: product ? product.value : "" });
    link.href = form.dataset.openUrl + "?" + params.toString();
    link.target = "_blank";
    link.rel = "noopener";
    link.lang = result.lang;
    link.textContent = result.title;
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " (" + region.dataset.newTab + ")";
    link.appendChild(hidden);
    li.appendChild(link);
    var snippet = document.createElement("p");
    snippet.className = "summary";
    snippet.lang = result.lang;
    /* snippet_html is escaped text with <mark> around matches, made by the server. */
    snippet.innerHTML = result.snippet_html;
    li.appendChild(snippet);
    var solved = document.createElement("form");
    solved.method = "post";
    solved.action = region.dataset.solvedUrl;
    solved.className = "solved";
    [["csrf_token", csrf], ["product", product ? product.value : ""]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      solved.appendChild(input);
    });
    var button = document.createElement("button");
    button.type = "submit";
    button.className = "secondary";
    button.textContent = region.dataset.solvedLabel;
    solved.appendChild(button);
    li.appendChild(solved);
    return li;
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (result) { list.appendChild(item(result)); });
    region.hidden = results.length === 0;
    if (results.length && !counted) {
      counted = true;
      seen.value = "1";
      post(form.dataset.funnelUrl, { stage: "shown", product: product ? product.value : "" });
    }
  }

  function search() {
    var text = (subject.value + " " + description.value.slice(0, 200)).trim();
    if (text.length < 3 || text === lastQuery) { return; }
    lastQuery = text;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var params = new URLSearchParams({ q: text, lang: form.dataset.lang, per_page: "5", as_you_type: "true" });
    fetch(form.dataset.searchUrl + "?" + params.toString(), controller ? { signal: controller.signal } : {})
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (answer) { show(answer.results || []); })
      .catch(function () {});
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 300);
  }

  subject.addEventListener("input", later);
  description.addEventListener("input", later);
}());
