// Search and sort for the syscall table. The page works without it: the table is
// rendered in full on the server side.
(function () {
  "use strict";
  var table = document.getElementById("syscalls");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");

  function filter() {
    var q = search.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (r) {
      var hit = q === "" || r.textContent.toLowerCase().indexOf(q) >= 0;
      r.hidden = !hit;
      if (hit) { n++; }
    });
    shown.textContent = String(n);
  }
  search.addEventListener("input", filter);

  // Plain code-unit order: syscall names sort as in every other listing of seccompctl.
  function cmp(x, y) { return x < y ? -1 : (x > y ? 1 : 0); }
  function key(row, col) {
    var c = row.cells[col];
    return c.getAttribute("data-sort") || c.textContent.trim();
  }
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var sign = dir === "ascending" ? 1 : -1;
      var sorted = rows.slice().sort(function (a, b) {
        var x = key(a, col), y = key(b, col);
        var nx = Number(x), ny = Number(y);
        var c = (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) ? nx - ny : cmp(x, y);
        if (c === 0) { c = cmp(key(a, 0), key(b, 0)); }
        return sign * c;
      });
      sorted.forEach(function (r) { body.appendChild(r); });
      rows = sorted;
    });
  });
  // Nothing is hidden until the first search: the page loads without touching the rows.
})();
