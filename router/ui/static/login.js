// Exchanges the APIKEY for a session cookie, then loads the dashboard. The key is not kept.
"use strict";
document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("key");
  const error = document.getElementById("login-error");
  error.textContent = "";
  let response;
  try {
    response = await fetch("api/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: input.value }),
      credentials: "same-origin",
    });
  } catch (e) {
    error.textContent = "The router did not answer: is it running?";
    return;
  }
  input.value = "";
  if (response.ok) {
    window.location.reload();
    return;
  }
  const body = await response.json().catch(() => ({}));
  error.textContent = (body.error && body.error.message) || `Sign-in failed (${response.status})`;
});
