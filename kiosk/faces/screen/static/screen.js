// The kiosk's page: draws each view the kiosk sends, and sends back taps and typed text.
// It keeps nothing of the person: no storage, no history; every view is drawn from scratch, and a view that
// ends a session clears the text box too. The live channel reconnects by itself to the same kiosk session.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  let socket = null;
  let retries = 0;
  let statusTimer = 0;

  function liveUrl() {
    const url = new URL("/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.search = token ? "?token=" + encodeURIComponent(token) : "";
    return url.href;
  }

  function setStatus(text, forMs) {
    clearTimeout(statusTimer);
    $("status").textContent = text;
    if (text && forMs) statusTimer = setTimeout(() => { $("status").textContent = ""; }, forMs);
  }

  function connect() {
    socket = new WebSocket(liveUrl());
    socket.addEventListener("open", () => { retries = 0; setStatus(""); });
    socket.addEventListener("message", (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { return; }
      if (message.type === "view") render(message);
      else if (message.type === "error") setStatus("Sorry, that did not work. Please try again.", 4000);
    });
    socket.addEventListener("close", () => {
      socket = null;
      setStatus("Reconnecting…");
      setTimeout(connect, Math.min(2000, 200 * Math.pow(2, retries++)));
    });
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      return true;
    }
    setStatus("Reconnecting… please try again in a moment.");
    return false;
  }

  function paragraphs(container, lines) {
    container.replaceChildren(...lines.map((line) => {
      const p = document.createElement("p");
      p.textContent = line;
      return p;
    }));
  }

  function render(view) {
    const emergency = view.page === "emergency";
    document.body.dataset.page = view.page;
    document.body.dataset.seq = String(view.seq);
    if (view.clear) {
      $("typed").value = "";
      $("staff-confirm").hidden = true;
      if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    }
    $("conversation").hidden = emergency;
    $("controls").hidden = emergency;
    $("emergency").hidden = !emergency;
    if (emergency) {
      $("call").textContent = "Call " + view.number + " now";
      paragraphs($("emergency-lines"), view.lines.concat([view.question]));
      paragraphs($("lines"), []);
      $("question").textContent = "";
      $("said").textContent = "";
      return;
    }
    $("staff-confirm").hidden = true;
    paragraphs($("emergency-lines"), []);
    paragraphs($("lines"), view.lines);
    $("question").textContent = view.question;
    $("said").textContent = view.said;
    $("answers").hidden = !view.yes_no;
    $("more-time").hidden = view.page !== "idle";
    const starters = $("starters");
    starters.hidden = view.starters.length === 0;
    starters.replaceChildren(...view.starters.map((text, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = text;
      button.dataset.starter = String(index);
      return button;
    }));
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const tap = target.closest("[data-tap]");
    if (tap) { send({ type: "tap", action: tap.dataset.tap }); return; }
    const starter = target.closest("[data-starter]");
    if (starter) { send({ type: "tap", action: "starter", index: Number(starter.dataset.starter) }); return; }
    if (target.closest("#staff-open")) { $("staff-confirm").hidden = false; return; }
    if (target.closest("#staff-cancel")) { $("staff-confirm").hidden = true; }
  });

  $("type-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("typed");
    const text = input.value.trim();
    if (text && send({ type: "say", text: text })) input.value = "";
  });

  // The page arrives with the kiosk's current view, so it is drawn before the live channel opens; the
  // attribute is emptied at once (the live channel keeps the page up to date from here on).
  const first = document.body.dataset.view;
  document.body.dataset.view = "";
  if (first) {
    try { render(JSON.parse(first)); } catch (err) { /* the live channel sends it again */ }
  }
  connect();
})();
