// Summit's team and moderator pages: live updates over a websocket, forms sent as actions.
// Works without this script too (the forms post to the server); it never evaluates what it receives.
(function () {
  "use strict";
  var teacher = document.body.classList.contains("teacher");
  var path = teacher ? "/teacher/ws" : "/ws";
  var conn = document.getElementById("conn");
  var said = document.getElementById("said");
  var socket = null, delay = 500, stopped = false, queue = [];

  function say(text, bad) {
    said.textContent = text;
    said.className = bad ? "said bad" : "said";
  }

  function newId() {
    var a = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function focusKey(el) {
    if (!el || el === document.body) return null;
    return el.id ? "#" + el.id : (el.name ? el.tagName + "[name=" + el.name + "][value=" + (el.value || "") + "]" : null);
  }

  function refocus(section, key) {
    if (!key) return;
    var el = key.charAt(0) === "#" ? document.getElementById(key.slice(1)) : null;
    if (!el) {
      var m = key.match(/^(\w+)\[name=(.*)\]\[value=(.*)\]$/);
      if (m) {
        section.querySelectorAll(m[1] + "[name]").forEach(function (c) {
          if (!el && c.name === m[2] && (c.value || "") === m[3]) el = c;
        });
      }
    }
    if (el) el.focus();
  }

  function busyTyping(section) {
    var a = document.activeElement;
    if (!a || !section.contains(a)) return false;
    return (a.tagName === "TEXTAREA" || (a.tagName === "INPUT" && a.type === "text")) && a.value !== "";
  }

  function show(sections) {
    Object.keys(sections).forEach(function (name) {
      var section = document.getElementById("s-" + name);
      if (!section || busyTyping(section)) return;
      var active = document.activeElement;
      var key = section.contains(active) ? focusKey(active) : null;
      var checked = section.querySelector("input[type=radio]:checked");
      var keep = checked ? checked.id : null;
      section.innerHTML = sections[name];
      if (keep) {
        var again = document.getElementById(keep);
        if (again) again.checked = true;
      }
      refocus(section, key);
    });
  }

  function send(payload) {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(payload));
    else queue.push(payload);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + path);
    socket.onopen = function () {
      delay = 500;
      conn.textContent = "Connected";
      conn.className = "conn ok";
      var waiting = queue; queue = [];
      waiting.forEach(send);
    };
    socket.onmessage = function (event) {
      var msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      if (msg.type === "view") show(msg.sections || {});
      else if (msg.type === "ack") {
        say(msg.message || "", !msg.ok);
        document.querySelectorAll("form[data-aid='" + msg.id + "'] button").forEach(function (b) { b.disabled = false; });
      } else if (msg.type === "closed") {
        stopped = true;
        conn.textContent = msg.message;
        conn.className = "conn bad";
        say(msg.message, true);
      }
    };
    socket.onclose = function () {
      if (stopped) return;
      conn.textContent = "Connection lost: reconnecting…";
      conn.className = "conn bad";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 8000);
    };
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.action) return;
    event.preventDefault();
    var data = {};
    new FormData(form).forEach(function (value, key) { data[key] = value; });
    if (event.submitter && event.submitter.name) data[event.submitter.name] = event.submitter.value;
    if (!form.dataset.aid) form.dataset.aid = newId();
    data.aid = form.dataset.aid;
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    say("Sending…", false);
    send({type: "act", data: data});
    if (form.dataset.action === "send" || form.dataset.action === "announce") {
      var text = form.querySelector("textarea, input[name=text]");
      if (text) text.value = "";
    }
  });

  setInterval(function () {
    document.querySelectorAll(".timer[data-seconds]").forEach(function (t) {
      var s = Math.max(0, parseInt(t.dataset.seconds, 10) - 1);
      t.dataset.seconds = s;
      t.textContent = s + " s left";
    });
  }, 1000);

  connect();
})();
