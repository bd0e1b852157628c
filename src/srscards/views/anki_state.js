// Keeps a small value from the front of a card for its back. Anki's apps show the two sides in
// different ways: AnkiDroid and AnkiMobile load the back as a new page of the same web view, where
// the tab's sessionStorage survives; Anki desktop swaps the card inside one page, where an object
// that outlives the card (the bridge object `py`, or `qt`) survives. The first store that works is
// used; with none, isAvailable() is false and the card falls back to its source order.
(function () {
  if (window.SrsState !== undefined) return;
  var prefix = "srscards:";

  function sessionStore() {
    try {
      if (typeof window.sessionStorage !== "object" || window.sessionStorage === null) return null;
      var probe = prefix + "probe";
      window.sessionStorage.setItem(probe, "1");
      window.sessionStorage.removeItem(probe);
    } catch (err) {
      return null;
    }
    return {
      getItem: function (key) {
        var text = window.sessionStorage.getItem(prefix + key);
        return text === null ? null : JSON.parse(text);
      },
      setItem: function (key, value) {
        window.sessionStorage.setItem(prefix + key, JSON.stringify(value));
      },
    };
  }

  function objectStore(holder) {
    if (typeof holder !== "object" || holder === null) return null;
    if (typeof holder[prefix] !== "object" || holder[prefix] === null) holder[prefix] = {};
    var bag = holder[prefix];
    return {
      getItem: function (key) {
        return Object.prototype.hasOwnProperty.call(bag, key) ? bag[key] : null;
      },
      setItem: function (key, value) {
        bag[key] = value;
      },
    };
  }

  var store = sessionStore() || objectStore(window.py) || objectStore(window.qt);
  window.SrsState = {
    isAvailable: function () {
      return store !== null;
    },
    getItem: function (key) {
      return store === null ? null : store.getItem(key);
    },
    setItem: function (key, value) {
      if (store !== null) store.setItem(key, value);
    },
  };
})();
