odoo.define('crm_team_routing.routing_notification', function (require) {
"use strict";
/**
 * A private message from lead routing (a digest of new leads, a lead taken back, a reminder)
 * reaches the person's Inbox like any message; Odoo 11's web client shows an Inbox message
 * without a pop-up. The notifier (models/crm_lead_routing_notifier.py) also sends it on the
 * person's own bus channel (db, 'res.partner', partner id): shown here as a desktop
 * notification (the browser's, when allowed; Odoo's corner notification otherwise), in every
 * open tab of the person while they are logged in, whatever their e-mail preference.
 */
var bus = require('bus.bus').bus;
var mailUtils = require('mail.utils');
var WebClient = require('web.WebClient');

var TYPE = 'crm_team_routing_message';

WebClient.include({
    start: function () {
        bus.on('notification', this, this._onRoutingNotification);
        return this._super.apply(this, arguments);
    },
    /**
     * @private
     * @param {Array} notifications [[channel, message], ...] from the bus
     */
    _onRoutingNotification: function (notifications) {
        var self = this;
        _.each(notifications, function (notification) {
            var channel = notification[0];
            var data = notification[1];
            if (_.isArray(channel) && channel[1] === 'res.partner' && data && data.type === TYPE) {
                mailUtils.send_notification(self, _.escape(data.title), _.escape(data.message));
            }
        });
    },
});

return {TYPE: TYPE};
});
