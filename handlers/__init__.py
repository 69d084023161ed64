"""THE ordered list of handlers. Order matters: the first matching handler in a group wins."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import (
    achievements,
    admin,
    broadcast,
    campaigns,
    common,
    contest,
    council,
    decisions,
    dialogue,
    dossier,
    facts,
    files,
    heads,
    initiatives,
    join,
    judging,
    meetings,
    minutes,
    proposals,
    publication,
    publishing,
    reports,
    reviews,
    settings,
    stories,
)
from ui.buttons import campaigns as cb
from ui.buttons import contest as wb
from ui.buttons import initiatives as ib
from ui.buttons import judging as jb
from ui.buttons import publication as kb
from ui.buttons import reviews as rb
from ui.buttons.achievements import (
    AchievementDocument,
    AchievementKeep,
    AchievementOpen,
    AchievementPreview,
    AchievementRequest,
    AchievementReview,
    AchievementWrite,
)
from ui.buttons.base import any_of
from ui.buttons.broadcasts import (
    BroadcastAudience,
    BroadcastCampaign,
    BroadcastDepartment,
    BroadcastDraft,
    BroadcastRemind,
    BroadcastSeenList,
    BroadcastStop,
    ReadReceipt,
)
from ui.buttons.common import LanguageChosen
from ui.buttons.decisions import DecisionSave, DecisionTick
from ui.buttons.departments import (
    DeptCollective,
    DeptConfirm,
    DeptNoNote,
    DeptOpen,
    DeptReview,
    DeptToggle,
)
from ui.buttons.dossier import DossierBuild, DossierCopy, DossierOverview, DossierVersions
from ui.buttons.facts import (
    FactsAsk,
    FactsClear,
    FactsDepartment,
    FactsDepartments,
    FactsHome,
    FactsMissing,
    FactsPerson,
    FactsRate,
    FactsSheet,
    FactsUpload,
)
from ui.buttons.meetings import (
    MeetingAbsent,
    MeetingAgendaDefault,
    MeetingCancel,
    MeetingCheckIn,
    MeetingConfirm,
    MeetingOpen,
    MeetingReschedule,
    MeetingSecretary,
)
from ui.buttons.members import (
    AddressPicked,
    DepartmentAdd,
    DepartmentCard,
    DepartmentList,
    DepartmentPicked,
    DepartmentRemove,
    DepartmentRename,
    InviteRotate,
    JoinDecided,
    MemberCard,
    MemberDeactivate,
    MemberHead,
    MemberRole,
    MembersPage,
)
from ui.buttons.minutes import MinutesDocument, MinutesFinalize, MinutesRemark, MinutesVersions
from ui.buttons.proposals import (
    ProposalChair,
    ProposalDismissed,
    ProposalForm,
    ProposalLevel,
    ProposalReason,
    Propose,
)
from ui.buttons.publishing import PublishStory
from ui.buttons.settings import SettingEdit, SettingReset, SettingsSection
from ui.buttons.stories import (
    CampaignAttached,
    ChildConsent,
    ColleagueChosen,
    ColleaguePage,
    ConsentGiven,
    NomineeChosen,
    PupilAge,
    ReportStep,
    StoryDecision,
    StoryReason,
    StoryReopen,
    StoryResubmit,
    StoryWithdraw,
)
from ui.buttons.tallies import TallyChart, TallyExport, TallyScope

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
MEDIA = (  # no documents: broadcast.on_media takes those (and photos) first
    filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.LOCATION
    | filters.CONTACT
)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every handler, most specific first."""
    handlers = [
        # Service messages first: a group that became a supergroup keeps its binding.
        MessageHandler(filters.StatusUpdate.MIGRATE, council.on_migrate),
        # The bot removed from a group (or the group deleted): a council's chair is told.
        ChatMemberHandler(council.on_bot_status, ChatMemberHandler.MY_CHAT_MEMBER),
        # A post forwarded from a channel names the channel /bind_channel waits for.
        MessageHandler(PRIVATE & publishing.FROM_CHANNEL, publishing.on_channel_forward),
        MessageHandler(PRIVATE & filters.FORWARDED, common.forwarded),  # not input, even a command
        # An edited message is not new input (a story's text would be appended twice): a hint.
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, common.edited),
        # Commands.
        CommandHandler("start", common.start, filters=PRIVATE),
        CommandHandler("help", common.help_command),
        CommandHandler("lang", common.lang_command),
        CommandHandler("cancel", common.cancel),
        CommandHandler("bind_council", council.bind_council, filters=GROUPS),
        CommandHandler("members", admin.members_command, filters=PRIVATE),
        CommandHandler("departments", admin.departments_command, filters=PRIVATE),
        CommandHandler("invite", admin.invite_command, filters=PRIVATE),
        CommandHandler("report", stories.report_command, filters=PRIVATE),
        CommandHandler("mine", stories.mine_command, filters=PRIVATE),
        CommandHandler("pending", stories.pending_command),
        CommandHandler("newcampaign", campaigns.new_campaign, filters=PRIVATE),
        CommandHandler("campaigns", campaigns.campaigns_command, filters=PRIVATE),
        CommandHandler("broadcast", broadcast.broadcast_command, filters=PRIVATE),
        CommandHandler("bind_channel", publishing.bind_channel_command, filters=PRIVATE),
        CommandHandler("settings", settings.settings_command, filters=PRIVATE),
        CommandHandler("round", judging.round_command, filters=PRIVATE),
        CommandHandler("meeting", meetings.meeting_command, filters=PRIVATE),
        CommandHandler("department", heads.department_command, filters=PRIVATE),
        CommandHandler("tally", reports.tally_command),
        CommandHandler("export", reports.export_command),
        CommandHandler("stats", reports.stats_command),
        CommandHandler("facts", facts.facts_command, filters=PRIVATE),
        # ---- initiatives (and the review engine's score sheets) ----
        CommandHandler("initiatives", initiatives.initiatives_command, filters=PRIVATE),
        CommandHandler("sheets", reviews.sheets_command, filters=PRIVATE),
        # ---- publication ----
        CommandHandler("publish", publication.publish_command, filters=PRIVATE),
        CommandHandler("objection", publication.objection_command, filters=PRIVATE),
        # ---- achievements ----
        CommandHandler("achievements", achievements.achievements_command, filters=PRIVATE),
        # ---- decisions ----
        CommandHandler("decision", decisions.decision_command, filters=PRIVATE),
        # ---- contest ----
        CommandHandler("contest", contest.contest_command, filters=PRIVATE),
        # Buttons, by the kind in their versioned data.
        CallbackQueryHandler(join.on_address_pick, pattern=AddressPicked.matches),
        CallbackQueryHandler(join.on_department_pick, pattern=DepartmentPicked.matches),
        CallbackQueryHandler(join.on_join_decision, pattern=JoinDecided.matches),
        CallbackQueryHandler(admin.on_members_page, pattern=MembersPage.matches),
        CallbackQueryHandler(admin.on_member, pattern=MemberCard.matches),
        CallbackQueryHandler(admin.on_member_role, pattern=MemberRole.matches),
        CallbackQueryHandler(admin.on_member_head, pattern=MemberHead.matches),
        CallbackQueryHandler(admin.on_member_deactivate, pattern=MemberDeactivate.matches),
        CallbackQueryHandler(admin.on_departments, pattern=DepartmentList.matches),
        CallbackQueryHandler(admin.on_department, pattern=DepartmentCard.matches),
        CallbackQueryHandler(admin.on_department_add, pattern=DepartmentAdd.matches),
        CallbackQueryHandler(admin.on_department_rename, pattern=DepartmentRename.matches),
        CallbackQueryHandler(admin.on_department_remove, pattern=DepartmentRemove.matches),
        CallbackQueryHandler(admin.on_invite_rotate, pattern=InviteRotate.matches),
        CallbackQueryHandler(common.on_lang_button, pattern=LanguageChosen.matches),
        CallbackQueryHandler(stories.on_report_button, pattern=ReportStep.matches),
        CallbackQueryHandler(stories.on_nominee_kind, pattern=NomineeChosen.matches),
        CallbackQueryHandler(stories.on_colleague, pattern=ColleagueChosen.matches),
        CallbackQueryHandler(stories.on_colleague_page, pattern=ColleaguePage.matches),
        CallbackQueryHandler(stories.on_pupil_age, pattern=PupilAge.matches),
        CallbackQueryHandler(stories.on_consent, pattern=ConsentGiven.matches),
        CallbackQueryHandler(stories.on_child_consent, pattern=ChildConsent.matches),
        CallbackQueryHandler(stories.on_campaign_pick, pattern=CampaignAttached.matches),
        CallbackQueryHandler(stories.on_decision, pattern=StoryDecision.matches),
        CallbackQueryHandler(stories.on_canned_reason, pattern=StoryReason.matches),
        CallbackQueryHandler(stories.on_reopen, pattern=StoryReopen.matches),
        CallbackQueryHandler(stories.on_resubmit, pattern=StoryResubmit.matches),
        CallbackQueryHandler(stories.on_withdraw, pattern=StoryWithdraw.matches),
        CallbackQueryHandler(
            campaigns.on_choice,
            pattern=any_of(
                cb.SkipDescription, cb.LevelChosen, cb.KindChosen, cb.RemindersChosen, cb.StartNow
            ),
        ),
        CallbackQueryHandler(campaigns.on_preview, pattern=cb.PreviewAction.matches),
        CallbackQueryHandler(campaigns.on_list, pattern=cb.CampaignList.matches),
        CallbackQueryHandler(campaigns.on_card, pattern=any_of(cb.ShowCampaign, cb.NoticeCampaign)),
        CallbackQueryHandler(campaigns.on_register, pattern=cb.RegisterTitle.matches),
        CallbackQueryHandler(campaigns.on_unregister, pattern=cb.WithdrawRegistration.matches),
        CallbackQueryHandler(campaigns.on_join, pattern=cb.JoinCampaign.matches),
        CallbackQueryHandler(campaigns.on_reschedule, pattern=cb.ChangeDates.matches),
        CallbackQueryHandler(campaigns.on_close, pattern=cb.CloseEarly.matches),
        CallbackQueryHandler(campaigns.on_close_confirmed, pattern=cb.CloseConfirmed.matches),
        CallbackQueryHandler(reports.on_tally_scope, pattern=TallyScope.matches),
        CallbackQueryHandler(reports.on_export, pattern=TallyExport.matches),
        CallbackQueryHandler(reports.on_chart, pattern=TallyChart.matches),
        CallbackQueryHandler(proposals.on_propose, pattern=Propose.matches),
        CallbackQueryHandler(proposals.on_form, pattern=ProposalForm.matches),
        CallbackQueryHandler(proposals.on_level, pattern=ProposalLevel.matches),
        CallbackQueryHandler(proposals.on_dismiss, pattern=ProposalDismissed.matches),
        CallbackQueryHandler(proposals.on_chair, pattern=ProposalChair.matches),
        CallbackQueryHandler(proposals.on_canned_reason, pattern=ProposalReason.matches),
        CallbackQueryHandler(broadcast.on_draft_button, pattern=BroadcastDraft.matches),
        CallbackQueryHandler(
            broadcast.on_audience,
            pattern=any_of(BroadcastAudience, BroadcastDepartment, BroadcastCampaign),
        ),
        CallbackQueryHandler(broadcast.on_stop, pattern=BroadcastStop.matches),
        CallbackQueryHandler(broadcast.on_seen_list, pattern=BroadcastSeenList.matches),
        CallbackQueryHandler(broadcast.on_remind, pattern=BroadcastRemind.matches),
        CallbackQueryHandler(broadcast.on_seen, pattern=ReadReceipt.matches),
        CallbackQueryHandler(publishing.on_publish, pattern=PublishStory.matches),
        CallbackQueryHandler(settings.on_section, pattern=SettingsSection.matches),
        CallbackQueryHandler(settings.on_edit, pattern=SettingEdit.matches),
        CallbackQueryHandler(settings.on_reset, pattern=SettingReset.matches),
        CallbackQueryHandler(facts.on_home, pattern=FactsHome.matches),
        CallbackQueryHandler(facts.on_sheet, pattern=FactsSheet.matches),
        CallbackQueryHandler(facts.on_upload, pattern=FactsUpload.matches),
        CallbackQueryHandler(facts.on_missing, pattern=FactsMissing.matches),
        CallbackQueryHandler(facts.on_departments, pattern=FactsDepartments.matches),
        CallbackQueryHandler(facts.on_department, pattern=FactsDepartment.matches),
        CallbackQueryHandler(facts.on_person, pattern=FactsPerson.matches),
        CallbackQueryHandler(facts.on_rate, pattern=FactsRate.matches),
        CallbackQueryHandler(facts.on_ask, pattern=FactsAsk.matches),
        CallbackQueryHandler(facts.on_clear, pattern=FactsClear.matches),
        CallbackQueryHandler(judging.on_round, pattern=jb.RoundView.matches),
        CallbackQueryHandler(judging.on_open, pattern=jb.RoundOpen.matches),
        CallbackQueryHandler(judging.on_close_round, pattern=jb.RoundClose.matches),
        CallbackQueryHandler(judging.on_vote_open, pattern=jb.VoteOpen.matches),
        CallbackQueryHandler(judging.on_vote, pattern=jb.VoteCast.matches),
        CallbackQueryHandler(judging.on_vote_rest, pattern=jb.VoteRest.matches),
        CallbackQueryHandler(judging.on_vote_status, pattern=jb.VoteStatus.matches),
        CallbackQueryHandler(judging.on_vote_close, pattern=jb.VoteClose.matches),
        CallbackQueryHandler(judging.on_meeting_close, pattern=jb.MeetingClose.matches),
        CallbackQueryHandler(minutes.on_document, pattern=MinutesDocument.matches),
        CallbackQueryHandler(minutes.on_versions, pattern=MinutesVersions.matches),
        CallbackQueryHandler(minutes.on_remark, pattern=MinutesRemark.matches),
        CallbackQueryHandler(minutes.on_finalize, pattern=MinutesFinalize.matches),
        CallbackQueryHandler(
            meetings.on_step,
            pattern=any_of(MeetingAgendaDefault, MeetingSecretary, MeetingReschedule),
        ),
        CallbackQueryHandler(meetings.on_confirm, pattern=MeetingConfirm.matches),
        CallbackQueryHandler(meetings.on_cancel, pattern=MeetingCancel.matches),
        CallbackQueryHandler(meetings.on_open, pattern=MeetingOpen.matches),
        CallbackQueryHandler(meetings.on_absent, pattern=MeetingAbsent.matches),
        CallbackQueryHandler(meetings.on_check_in, pattern=MeetingCheckIn.matches),
        CallbackQueryHandler(heads.on_review, pattern=DeptReview.matches),
        CallbackQueryHandler(heads.on_open, pattern=DeptOpen.matches),
        CallbackQueryHandler(heads.on_tick, pattern=any_of(DeptToggle, DeptCollective)),
        CallbackQueryHandler(heads.on_confirm, pattern=DeptConfirm.matches),
        CallbackQueryHandler(heads.on_no_note, pattern=DeptNoNote.matches),
        # ---- dossier ----
        CommandHandler("dossier", dossier.dossier_command, filters=PRIVATE),
        CallbackQueryHandler(dossier.on_build, pattern=DossierBuild.matches),
        CallbackQueryHandler(dossier.on_overview, pattern=DossierOverview.matches),
        CallbackQueryHandler(dossier.on_versions, pattern=DossierVersions.matches),
        CallbackQueryHandler(dossier.on_copy, pattern=DossierCopy.matches),
        # ----
        # ---- initiatives (and the review engine's score sheets) ----
        CallbackQueryHandler(
            initiatives.on_button,
            pattern=any_of(
                ib.InitiativesHome,
                ib.InitiativesOpen,
                ib.InitiativesJury,
                ib.InitiativesJurySet,
                ib.InitiativesRegister,
                ib.InitiativesSubmit,
                ib.InitiativesSubmitDone,
                ib.InitiativesPanel,
                ib.InitiativesEntry,
                ib.InitiativesAssign,
                ib.InitiativesConfirm,
                ib.InitiativesDecision,
                ib.InitiativesRelax,
            ),
        ),
        CallbackQueryHandler(
            reviews.on_sheet_button,
            pattern=any_of(
                rb.ReviewSheets,
                rb.ReviewSheet,
                rb.ReviewMark,
                rb.ReviewRedo,
                rb.ReviewSend,
                rb.ReviewLater,
            ),
        ),
        # ---- publication ----
        CallbackQueryHandler(publication.on_panel, pattern=kb.PubPanel.matches),
        CallbackQueryHandler(publication.on_publish, pattern=kb.PubPublish.matches),
        CallbackQueryHandler(publication.on_read, pattern=kb.PubSeen.matches),
        CallbackQueryHandler(publication.on_object, pattern=kb.ObjStart.matches),
        CallbackQueryHandler(publication.on_target, pattern=kb.ObjTarget.matches),
        CallbackQueryHandler(publication.on_no_file, pattern=kb.ObjNoFile.matches),
        CallbackQueryHandler(publication.on_name, pattern=kb.ObjName.matches),
        CallbackQueryHandler(publication.on_send, pattern=kb.ObjSend.matches),
        CallbackQueryHandler(publication.on_answer, pattern=kb.ObjAnswer.matches),
        CallbackQueryHandler(publication.on_assign, pattern=kb.ObjAssign.matches),
        CallbackQueryHandler(publication.on_revote_open, pattern=kb.RevoteOpen.matches),
        CallbackQueryHandler(publication.on_revote_cast, pattern=kb.RevoteCast.matches),
        CallbackQueryHandler(publication.on_revote_close, pattern=kb.RevoteClose.matches),
        # ---- achievements ----
        CallbackQueryHandler(achievements.on_write, pattern=AchievementWrite.matches),
        CallbackQueryHandler(achievements.on_keep, pattern=AchievementKeep.matches),
        CallbackQueryHandler(achievements.on_preview, pattern=AchievementPreview.matches),
        CallbackQueryHandler(achievements.on_open, pattern=AchievementOpen.matches),
        CallbackQueryHandler(achievements.on_review, pattern=AchievementReview.matches),
        CallbackQueryHandler(achievements.on_document, pattern=AchievementDocument.matches),
        CallbackQueryHandler(achievements.on_request, pattern=AchievementRequest.matches),
        # ---- decisions ----
        CallbackQueryHandler(decisions.on_tick, pattern=DecisionTick.matches),
        CallbackQueryHandler(decisions.on_save, pattern=DecisionSave.matches),
        # ---- contest ----
        CallbackQueryHandler(contest.on_home, pattern=wb.ContestHome.matches),
        CallbackQueryHandler(contest.on_open, pattern=wb.ContestOpen.matches),
        CallbackQueryHandler(
            contest.on_opening_button,
            pattern=any_of(
                wb.ContestTitle, wb.ContestSubject, wb.ContestRounds, wb.ContestFinalists
            ),
        ),
        CallbackQueryHandler(contest.on_confirm, pattern=wb.ContestConfirm.matches),
        CallbackQueryHandler(contest.on_jury, pattern=wb.ContestJury.matches),
        CallbackQueryHandler(contest.on_juror, pattern=wb.ContestJuror.matches),
        CallbackQueryHandler(contest.on_enter, pattern=wb.ContestEnter.matches),
        CallbackQueryHandler(contest.on_done, pattern=wb.EntryDone.matches),
        CallbackQueryHandler(contest.on_send, pattern=wb.EntrySend.matches),
        CallbackQueryHandler(contest.on_score, pattern=wb.ContestScore.matches),
        CallbackQueryHandler(contest.on_judging, pattern=wb.ContestJudging.matches),
        CallbackQueryHandler(contest.on_read, pattern=wb.ContestRead.matches),
        CallbackQueryHandler(contest.on_advance, pattern=wb.ContestAdvance.matches),
        CallbackQueryHandler(contest.on_finish, pattern=wb.ContestFinish.matches),
        CallbackQueryHandler(contest.on_remind, pattern=wb.ContestRemind.matches),
        CallbackQueryHandler(contest.on_document, pattern=wb.ContestDocument.matches),
        CallbackQueryHandler(common.bad_button),  # anything else: forged, malformed or obsolete
        # Private chats: everything that is not a command.
        MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, dialogue.on_private_text),
        MessageHandler(PRIVATE & filters.COMMAND, common.unknown_command),
        # A photo or file: the step of the dialogue waiting for it (a contest entry, an
        # initiative's write-up, an objection's attachment), else the facts sheet, an
        # announcement's attachment, a story's photo (handlers/files.py).
        MessageHandler(PRIVATE & (filters.PHOTO | filters.Document.ALL), files.on_file),
        # Files, stickers, voice...: a hint for the step of a story being written, else the
        # polite refusal of common.unsupported.
        MessageHandler(PRIVATE & MEDIA, stories.on_media),
        MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, common.unsupported),
        # Groups: privacy mode shows the bot only commands and replies; answer unknown commands
        # addressed to it, stay silent on the rest.
        MessageHandler(GROUPS & filters.COMMAND, common.unknown_command),
        # A council member's free-text reason, as a reply to the bot's prompt.
        MessageHandler(GROUPS & filters.REPLY & filters.TEXT, stories.on_reason_text),
    ]
    app.add_handlers(handlers)
