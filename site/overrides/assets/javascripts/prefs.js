/* 长辈模式 before the first paint (no flash of small text); site.js draws the switch. */
try { if (localStorage.getItem("gongyu:large") === "1") document.documentElement.classList.add("gy-large"); } catch (e) { /* private mode */ }
