/* ID renewal: the camera with live guidance.
 * While the camera is open, about once a second a small frame (the 4:5 part inside the
 * face-shaped frame, 480 px high) goes to the quick check; its hint is shown in an
 * aria-live="polite" region and the shutter button is enabled only while the last frame
 * passed every quality rule. The photo itself is the same 4:5 part at the camera's size,
 * sent through the upload form with source=CAMERA and the time it was taken. */
(function () {
  "use strict";
  var open = document.getElementById("camera-open");
  if (!open) return;
  var box = document.getElementById("camera"),
    video = document.getElementById("camera-video"),
    stage = document.getElementById("camera-stage"),
    hint = document.getElementById("camera-hint"),
    shoot = document.getElementById("camera-shoot"),
    msg = document.getElementById("camera-msg"),
    input = document.getElementById("id_photo"),
    form = document.getElementById("photo-form"),
    source = document.getElementById("id_source"),
    capturedAt = document.getElementById("id_captured_at"),
    csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value,
    url = box.dataset.quickCheckUrl,
    frameHeight = parseInt(box.dataset.frameHeight, 10) || 480,
    period = parseInt(box.dataset.periodMs, 10) || 1000,
    small = document.createElement("canvas"),
    tiny = document.createElement("canvas"),
    previous = null,
    MOTION = 12, // mean luma change (0-255) between two polls that reads as moving
    timer = null,
    busy = false,
    stopped = false;

  function crop() {
    // The centred 4:5 part of the camera frame: what the stage shows (object-fit: cover).
    var vw = video.videoWidth, vh = video.videoHeight;
    var w = Math.min(vw, Math.round(vh * 0.8)), h = Math.round(w / 0.8);
    return {x: Math.round((vw - w) / 2), y: Math.round((vh - h) / 2), w: w, h: h};
  }

  function setState(passed, text) {
    hint.textContent = text;
    stage.classList.toggle("is-ok", passed);
    stage.classList.toggle("is-bad", !passed);
    shoot.disabled = !passed;
    shoot.textContent = passed ? shoot.dataset.ready : shoot.dataset.waiting;
  }

  function schedule(ms) {
    if (!stopped) timer = setTimeout(poll, ms);
  }

  function moved(c) {
    // The frame at 24 x 30: did it change much since the last poll? (Stateless on the server,
    // so "hold still" for movement is told here; a blurred frame is told by the quick check.)
    tiny.width = 24; tiny.height = 30;
    var ctx = tiny.getContext("2d", {willReadFrequently: true});
    ctx.drawImage(video, c.x, c.y, c.w, c.h, 0, 0, 24, 30);
    var px = ctx.getImageData(0, 0, 24, 30).data, luma = new Float32Array(720), diff = 0;
    for (var i = 0; i < 720; i++) luma[i] = 0.299 * px[4 * i] + 0.587 * px[4 * i + 1] + 0.114 * px[4 * i + 2];
    if (previous) { for (var j = 0; j < 720; j++) diff += Math.abs(luma[j] - previous[j]); diff /= 720; }
    var wasMoving = previous !== null && diff > MOTION;
    previous = luma;
    return wasMoving;
  }

  function poll() {
    if (busy || stopped || !video.videoWidth) { schedule(period); return; }
    var c = crop();
    if (moved(c)) {
      setState(false, box.dataset.holdStill);
      stage.dataset.hintCode = "HOLD_STILL_MOVING";
      schedule(period);
      return;
    }
    busy = true;
    var scale = Math.min(1, frameHeight / c.h);
    small.width = Math.round(c.w * scale); small.height = Math.round(c.h * scale);
    small.getContext("2d").drawImage(video, c.x, c.y, c.w, c.h, 0, 0, small.width, small.height);
    small.toBlob(function (blob) {
      var body = new FormData();
      body.append("frame", blob, "frame.jpg");
      var started = Date.now();
      fetch(url, {method: "POST", body: body, headers: {"X-CSRFToken": csrf}, credentials: "same-origin"})
        .then(function (r) { return r.json().then(function (data) { return {status: r.status, data: data, headers: r.headers}; }); })
        .then(function (res) {
          busy = false;
          if (res.status === 200) {
            setState(res.data.passed, res.data.hint);
            stage.dataset.hintCode = res.data.hints.length ? res.data.hints[0].code : "READY";
            schedule(Math.max(100, period - (Date.now() - started)));
          } else {
            setState(false, res.data.error ? res.data.error.message : box.dataset.unavailable);
            var wait = parseInt(res.headers.get("Retry-After") || "5", 10);
            schedule(Math.max(period, wait * 1000));
          }
        })
        .catch(function () { busy = false; setState(false, box.dataset.unavailable); schedule(period * 3); });
    }, "image/jpeg", 0.8);
  }

  function stop() {
    stopped = true;
    if (timer) clearTimeout(timer);
    (video.srcObject && video.srcObject.getTracks() || []).forEach(function (t) { t.stop(); });
  }

  open.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { msg.textContent = box.dataset.noCamera; return; }
    navigator.mediaDevices.getUserMedia({video: {facingMode: "user", width: {ideal: 1280}, height: {ideal: 960}}, audio: false})
      .then(function (stream) {
        video.srcObject = stream;
        box.hidden = false;
        open.hidden = true;
        stopped = false;
        setState(false, box.dataset.starting);
        schedule(300);
      })
      .catch(function () { msg.textContent = box.dataset.noCamera; });
  });

  shoot.addEventListener("click", function () {
    if (shoot.disabled) return;
    var c = crop(), canvas = document.getElementById("camera-canvas");
    canvas.width = c.w; canvas.height = c.h;
    canvas.getContext("2d").drawImage(video, c.x, c.y, c.w, c.h, 0, 0, c.w, c.h);
    var taken = new Date().toISOString();
    canvas.toBlob(function (blob) {
      var dt = new DataTransfer();
      dt.items.add(new File([blob], "camera.jpg", {type: "image/jpeg"}));
      input.files = dt.files;
      source.value = "CAMERA";
      capturedAt.value = taken;
      stop();
      form.requestSubmit();
    }, "image/jpeg", 0.92);
  });

  input.addEventListener("change", function () { source.value = "UPLOAD"; capturedAt.value = ""; });
})();
