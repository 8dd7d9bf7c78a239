// Copies text for the portal's copy buttons. navigator.clipboard needs a secure context (https or localhost);
// elsewhere the hidden-textarea fallback keeps the button working.
window.portalClipboard = {
    copy: async function (text) {
        if (navigator.clipboard && window.isSecureContext) {
            await navigator.clipboard.writeText(text);
            return true;
        }
        const area = document.createElement("textarea");
        area.value = text;
        area.setAttribute("readonly", "");
        area.className = "portal-offscreen";
        document.body.appendChild(area);
        area.select();
        const copied = document.execCommand("copy");
        document.body.removeChild(area);
        return copied;
    }
};
