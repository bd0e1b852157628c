// srscards choice questions: shuffle the options on the front, tap to choose, and on the back keep
// the same order and mark each option chosen / correct with its explanation. Without JavaScript the
// card reads as written: options in source order, the answer and the explanations on the back.
(function () {
  function run() {
    var root = document.querySelector(".srs-choice");
    if (!root || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    var list = root.querySelector("ol.options");
    if (!list) return;
    var items = Array.prototype.slice.call(list.querySelectorAll(":scope > li"));
    var n = items.length;
    var key = "srscards-choice:" + root.getAttribute("data-card");
    var store = window.SrsState && SrsState.isAvailable() ? SrsState : null;
    var back = document.getElementById("srs-back") !== null;
    var state = null;
    if (back && store) {
      state = store.getItem(key);
    }
    if (!back) {
      var free = [], order = [];
      for (var i = 0; i < n; i++) {
        order.push(i);
        if (items[i].getAttribute("data-pin") !== "1") free.push(i);
      }
      var moved = free.slice();
      for (var j = moved.length - 1; j > 0; j--) {
        var k = Math.floor(Math.random() * (j + 1));
        var t = moved[j]; moved[j] = moved[k]; moved[k] = t;
      }
      for (var f = 0; f < free.length; f++) order[free[f]] = moved[f];
      state = { order: order, chosen: [] };
      if (store) store.setItem(key, state);
    }
    if (!state || !state.order || state.order.length !== n) {
      state = { order: items.map(function (_, i) { return i; }), chosen: [] };
    }
    state.order.forEach(function (i) { list.appendChild(items[i]); });
    root.classList.add("shuffled");
    var need = parseInt(root.getAttribute("data-choose") || "1", 10);
    if (!back) {
      items.forEach(function (li, i) {
        li.setAttribute("role", "button");
        li.addEventListener("click", function () {
          var at = state.chosen.indexOf(i);
          if (at >= 0) {
            state.chosen.splice(at, 1);
          } else {
            if (need === 1) state.chosen = [];
            state.chosen.push(i);
          }
          items.forEach(function (other, m) {
            other.classList.toggle("chosen", state.chosen.indexOf(m) >= 0);
          });
          if (store) store.setItem(key, state);
        });
      });
      return;
    }
    var letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    var explanations = document.querySelectorAll(".srs-explanations > ol > li");
    var right = [], mine = [], shownAt = {};
    state.order.forEach(function (i, pos) { shownAt[i] = letters[pos]; });
    items.forEach(function (li, i) {
      var source = explanations[i];
      var correct = source ? source.classList.contains("correct") : false;
      var chosen = state.chosen.indexOf(i) >= 0;
      li.classList.add(correct ? "correct" : "wrong");
      li.classList.toggle("chosen", chosen);
      if (correct) right.push(shownAt[i]);
      if (chosen) mine.push(shownAt[i]);
      var mark = document.createElement("span");
      mark.className = "mark";
      mark.textContent = (correct ? "Correct" : "Wrong") + (chosen ? " \u00b7 your choice" : "");
      li.appendChild(mark);
      var why = source ? source.querySelector(".why") : null;
      if (why) li.appendChild(why.cloneNode(true));
    });
    right.sort(); mine.sort();
    var answer = document.querySelector(".srs-answer");
    if (answer) {
      var verdict = mine.length === 0 ? "" : mine.join("") === right.join("") ? " \u00b7 you were right" : " \u00b7 you chose " + mine.join(", ");
      answer.textContent = "Answer: " + right.join(", ") + verdict;
      answer.classList.toggle("right", mine.length > 0 && mine.join("") === right.join(""));
    }
    var block = document.querySelector(".srs-explanations");
    if (block) block.style.display = "none";
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
