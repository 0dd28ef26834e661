odoo.define('crm_team_routing.shared_readonly_form', function (require) {
"use strict";

/**
 * A record shared read-only with the current user (a lead of crm_team_routing: its computed
 * field `routing_shared_readonly` is true) opens read-only for them: no Edit button, no
 * clickable stages, and a chatter without "Send message", "Log note", "Schedule activity" or
 * "Follow". The server refuses all of these anyway; this spares the user an error dialog.
 * Header buttons are hidden by the view itself (attrs). Neither do the priority stars change
 * (on the form and on kanban cards: the widget writes at once, even in read-only mode), and
 * the form's Action menu (Mark as lost, Duplicate, Delete...) is not offered, and its kanban
 * card cannot be dragged to another stage.
 */
var basicFields = require('web.basic_fields');
var Chatter = require('mail.Chatter');
var FormController = require('web.FormController');
var FormRenderer = require('web.FormRenderer');
var KanbanColumn = require('web.KanbanColumn');
var KanbanRecord = require('web.KanbanRecord');

var FIELD = 'routing_shared_readonly';

function isSharedReadonly(state) {
    return !!(state && state.data && state.data[FIELD]);
}

FormController.include({
    /**
     * @override
     */
    _updateButtons: function () {
        this._super.apply(this, arguments);
        if (this.$buttons && this.handle) {
            var readonly = isSharedReadonly(this.model.get(this.handle, {raw: true}));
            this.$buttons.find('.o_form_button_edit').toggleClass('o_hidden', readonly);
        }
    },
    /**
     * Never switch a shared read-only record to edit mode (keyboard shortcut, bounce).
     *
     * @override
     */
    _setMode: function (mode, recordID) {
        if (mode === 'edit' && isSharedReadonly(this.model.get(recordID || this.handle, {raw: true}))) {
            return $.when();
        }
        return this._super.apply(this, arguments);
    },
});

FormController.include({
    /**
     * No Action menu on a record its reader may not change: each of its entries writes,
     * copies or deletes it.
     *
     * @override
     */
    _updateSidebar: function () {
        this._super.apply(this, arguments);
        if (this.sidebar && this.handle &&
                isSharedReadonly(this.model.get(this.handle, {raw: true}))) {
            this.sidebar.do_toggle(false);
        }
    },
});

basicFields.PriorityWidget.include({
    /**
     * @override
     */
    _render: function () {
        this._super.apply(this, arguments);
        this.$el.toggleClass('o_crm_team_routing_shared_readonly', isSharedReadonly(this.record));
    },
    /**
     * No hover effect either: the stars are not a control here.
     *
     * @override
     */
    _onMouseOver: function (event) {
        if (isSharedReadonly(this.record)) {
            return;
        }
        return this._super.apply(this, arguments);
    },
    /**
     * A star of a shared read-only record changes nothing (the server would refuse it, and
     * the form would then ask to discard the change).
     *
     * @override
     */
    _onClick: function (event) {
        if (isSharedReadonly(this.record)) {
            event.preventDefault();
            event.stopPropagation();
            return;
        }
        return this._super.apply(this, arguments);
    },
});

KanbanRecord.include({
    /**
     * @override
     */
    _render: function () {
        var result = this._super.apply(this, arguments);
        this.$el.toggleClass('o_crm_team_routing_shared_readonly', isSharedReadonly(this.state));
        return result;
    },
});

KanbanColumn.include({
    /**
     * A shared read-only card stays in its column: moving it would write its stage.
     *
     * @override
     */
    start: function () {
        var result = this._super.apply(this, arguments);
        if (this.$el.hasClass('ui-sortable')) {
            this.$el.sortable('option', 'items', '> .o_kanban_record:not(.o_updating)' +
                              ':not(.o_crm_team_routing_shared_readonly)');
        }
        return result;
    },
});

FormRenderer.include({
    /**
     * @override
     */
    _updateView: function () {
        this._super.apply(this, arguments);
        var readonly = isSharedReadonly(this.state);
        this.$el.toggleClass('o_crm_team_routing_shared_readonly', readonly);
        if (readonly) {
            this.$('.o_statusbar_status button').prop('disabled', true).addClass('disabled');
        }
    },
});

Chatter.include({
    /**
     * @override
     */
    start: function () {
        var result = this._super.apply(this, arguments);
        this._routingApplySharedReadonly();
        return result;
    },
    /**
     * @override
     */
    update: function () {
        this._super.apply(this, arguments);
        this._routingApplySharedReadonly();
    },
    /**
     * The followers widget renders its Follow button late: hide it once it is there.
     *
     * @override
     */
    _render: function () {
        var self = this;
        return this._super.apply(this, arguments).then(function () {
            self._routingApplySharedReadonly();
        });
    },
    /**
     * @private
     */
    _routingApplySharedReadonly: function () {
        var readonly = isSharedReadonly(this.record);
        if (readonly) {
            this._closeComposer(true);
        }
        this.$el.toggleClass('o_crm_team_routing_shared_readonly', readonly);
        this.$('.o_chatter_button_new_message, .o_chatter_button_log_note,' +
               ' .o_chatter_button_schedule_activity, .o_followers_follow_button')
            .toggleClass('o_hidden', readonly);
    },
});

});
