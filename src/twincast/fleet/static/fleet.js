// The fleet console: polls /api/rooms, sends actions to /api/rooms/ROOM/ACTION with the token.
(function () {
  "use strict";
  var q = new URLSearchParams(location.search);
  if (q.get("token")) { sessionStorage.setItem("fleet_token", q.get("token")); history.replaceState(null, "", "/"); }
  var token = sessionStorage.getItem("fleet_token") || "";
  var body = document.querySelector("#rooms tbody");
  function log(text) { var el = document.getElementById("log"); el.textContent = new Date().toLocaleTimeString() + " " + text + "\n" + el.textContent; }
  function mmss(s) { s = Math.round(s || 0); return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }
  function act(room, action, payload) {
    fetch("/api/rooms/" + encodeURIComponent(room) + "/" + action, {method: "POST",
      headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
      body: JSON.stringify(payload || {})})
      .then(function (r) { return r.json().then(function (j) { log(room + " " + action + ": " + (r.ok ? "ok" : (j.error || j.detail || r.status))); }); })
      .catch(function (e) { log(room + " " + action + ": " + e); });
  }
  function button(label, fn) { var b = document.createElement("button"); b.textContent = label; b.addEventListener("click", fn); return b; }
  function cell(tr, text, cls) { var td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; }
  function render(rooms) {
    body.textContent = "";
    var gmv = 0, viewers = 0;
    rooms.forEach(function (r) {
      gmv += r.gmv; viewers += r.viewers;
      var tr = document.createElement("tr");
      var name = cell(tr, "");
      if (r.url) { var a = document.createElement("a"); a.href = r.url + "/"; a.textContent = r.room; name.appendChild(a); } else { name.textContent = r.room; }
      cell(tr, r.state + (r.error ? " (" + r.error + ")" : ""), "state-" + r.state);
      cell(tr, mmss(r.media_t)); cell(tr, r.product || "–"); cell(tr, r.viewers); cell(tr, r.comments);
      cell(tr, r.answers); cell(tr, r.orders); cell(tr, "¥" + r.gmv.toFixed(2)); cell(tr, r.dropped_frames + "/" + r.frames);
      cell(tr, (r.node || "").slice(0, 8)); cell(tr, r.restarts);
      var rep = cell(tr, ""); var ra = document.createElement("a"); ra.href = "/report/" + encodeURIComponent(r.room); ra.textContent = "report"; rep.appendChild(ra);
      var td = cell(tr, "");
      td.appendChild(button("skip", function () { act(r.room, "skip"); }));
      td.appendChild(button("say…", function () { var t = prompt("Line for the host in " + r.room); if (t) act(r.room, "say", {text: t}); }));
      td.appendChild(button("pin…", function () { var t = prompt("Banner for " + r.room + " (empty: unpin)", ""); if (t !== null) act(r.room, "pin", {text: t}); }));
      td.appendChild(button("mute", function () { act(r.room, "mute", {muted: true}); }));
      td.appendChild(button("unmute", function () { act(r.room, "mute", {muted: false}); }));
      body.appendChild(tr);
    });
    document.getElementById("summary").textContent = rooms.length + " rooms, " + viewers + " viewers, GMV ¥" + gmv.toFixed(2);
  }
  function poll() {
    fetch("/api/rooms", {headers: {"Authorization": "Bearer " + token}})
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status + " (open this page with ?token=TOKEN)"); return r.json(); })
      .then(function (j) { render(j.rooms); })
      .catch(function (e) { document.getElementById("summary").textContent = String(e); })
      .finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
