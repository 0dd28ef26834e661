"""Browser steps of the follow-up ladder (tests/test_ui_ladder.py): the salesperson finds the
lead routing gave them in the top bar's activities menu, then on its card with the due date.

Run like routing_ui.py, whose helpers it uses (same options, same ``RESULT <json>`` line):

    python ladder_ui.py '<json options>'
"""
import sys

import routing_ui

SYSTRAY = '.o_mail_navbar_item:has(.fa-clock-o)'
PREVIEW = '.o_mail_channel_preview[data-res_model="crm.lead"]'
CARDS = '.o_content .o_kanban_view .o_kanban_record'


def scenario_activity_menu(ui, data):
    """Top bar > Activities: the leads' line with its counters; its button opens the leads
    with an activity of the user; the routed lead's card shows the activity and its due date."""
    page = ui.page
    result = {}
    ui.open_web_client()
    result['lang'] = page.evaluate("() => odoo.session_info && odoo.session_info.user_context"
                                   " && odoo.session_info.user_context.lang || ''")
    ui.step('open the activities menu of the top bar')
    result['counter'] = page.locator(SYSTRAY + ' .o_notification_counter').first.inner_text()
    ui.click(SYSTRAY + ' > a.dropdown-toggle')
    preview = ui.visible(PREVIEW)
    ui.settle()
    result['preview'] = ' '.join(preview.inner_text().split())
    ui.screenshot('ladder_activity_menu')
    ui.step('open the leads of the activities')
    preview.locator('button.o_activity_filter_button').first.click()
    ui.visible(CARDS)
    ui.settle()
    result['cards'] = [' '.join(text.split()) for text in page.locator(
        CARDS + ':not(.o_kanban_ghost)').all_inner_texts()]
    ui.step("open the activity of the routed lead's card")
    card = page.locator(CARDS, has_text=data['lead']).first
    card.locator('.o_activity_btn').first.click()
    dropdown = card.locator('.o_activity_log').first
    dropdown.wait_for(state='visible')
    ui.settle()
    result['activity'] = ' '.join(dropdown.inner_text().split())
    result['due_title'] = dropdown.locator('.o_schedule_activity span[title]').first \
        .get_attribute('title')
    routing_ui.log('read: %s' % result)
    ui.page.screenshot(path='%s/ladder_activity_due.png' % ui.shots)
    ui.check()
    return result


def main():
    routing_ui.SCENARIOS.update({'activity_menu': scenario_activity_menu})
    return routing_ui.main()


if __name__ == '__main__':
    sys.exit(main())
